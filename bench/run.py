"""Page benchmarks: gunicorn with 2 workers, `wrk -t1 -c8 -d10s`, median of 3 rounds, each page
alternating with the baseline page served the same way in the same run. One JSON line per figure."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
BIN = Path(sys.executable).parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = os.environ.get("BENCH_DURATION", "10s")


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("bench: installing wrk (Debian package)", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


def app_env() -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{WORK / 'app.db'}",
        SECRET_KEY="bench-secret-key-not-for-production",
        RATELIMIT_STORAGE_URI="memory://",
        SP_DEMO_PASSWORD="demo-2026",
        BASELINE_DATABASE_URL=f"sqlite:///{WORK / 'baseline.db'}",
    )
    return env


def prepare(env: dict) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for name in ("app.db", "app.db-wal", "app.db-shm", "baseline.db"):
        (WORK / name).unlink(missing_ok=True)
    flask = [str(BIN / "flask"), "--app", "schoolpartners:create_app('Config')"]
    for command in (["db", "upgrade"], ["load-twin-cities"], ["seed-demo"]):
        subprocess.run(
            flask + command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    subprocess.run(
        [sys.executable, "-c", "from bench.baseline_app import prepare; prepare()"], cwd=ROOT, env=env, check=True
    )


def serve(target: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{target} did not start")


def login_cookie(base: str, email: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    opener.open(f"{base}/login", data=data)
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}"


def wrk(wrk_path: str, url: str, cookie: str | None = None) -> float:
    command = [wrk_path, "-t1", "-c8", f"-d{DURATION}", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if re.search(r"Non-2xx or 3xx responses: \d+", output):
        raise RuntimeError(f"wrk saw error responses for {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def line(name: str, value: float, baseline: float, goal: str, unit: str = "req/s") -> str:
    return json.dumps(
        {
            "bench": name,
            "value": round(value, 1),
            "unit": unit,
            "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 3),
            "goal": goal,
        }
    )


def measure(wrk_path: str, base_url: str, pages: dict) -> dict[str, tuple[float, float]]:
    """Median requests/s of each page and of the baseline measured right before it, over ROUNDS rounds."""
    results = {name: [] for name in pages}
    for _ in range(ROUNDS):
        for name, (url, page_cookie, _goal) in pages.items():
            base = wrk(wrk_path, base_url)
            value = wrk(wrk_path, url, page_cookie)
            results[name].append((value, base))
    return {
        name: (statistics.median(v for v, _ in runs), statistics.median(b for _, b in runs))
        for name, runs in results.items()
    }


def main() -> None:
    wrk_path = ensure_wrk()
    env = app_env()
    prepare(env)
    app = serve("schoolpartners:create_app('Config')", 8431, env)
    baseline = serve("bench.baseline_app:create_app()", 8432, env)
    try:
        app_url, base_url = "http://127.0.0.1:8431", "http://127.0.0.1:8432/"
        teacher = login_cookie(app_url, "teacher.hamburg@example.org", "demo-2026")
        head = login_cookie(app_url, "admin.hamburg@example.org", "demo-2026")
        pages = {
            "teacher_dashboard": (f"{app_url}/dashboard", teacher, "ratio >= 0.25"),
            "login_page": (f"{app_url}/login", None, "ratio >= 0.5"),
        }
        scaling = {
            "schools_search": (f"{app_url}/schools?q=sankt", None, "ratio >= 0.5"),
            "partner_suggestions": (f"{app_url}/partners/suggestions", head, "ratio >= 0.25"),
        }
        for name, (value, base) in measure(wrk_path, base_url, pages).items():
            print(line(name, value, base, pages[name][2]), flush=True)
        small = measure(wrk_path, base_url, scaling)
        flask = [str(BIN / "flask"), "--app", "schoolpartners:create_app('Config')"]
        subprocess.run(
            flask + ["seed-scale", "--schools", "10000"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
        time.sleep(3)  # past CATALOG_RECHECK_SECONDS (2 s): the workers now see the other process's change
        for url, page_cookie, _goal in scaling.values():  # let both workers reload their catalogue
            for _ in range(4):
                request = urllib.request.Request(url, headers={"Cookie": page_cookie} if page_cookie else {})
                urllib.request.urlopen(request, timeout=30).read()
        large = measure(wrk_path, base_url, scaling)
        for name, (value, base) in large.items():
            print(line(f"{name}_10k_schools", value, base, scaling[name][2]), flush=True)
        for name, (value, _base) in large.items():
            print(line(f"{name}_scaling_demo_to_10k", value, small[name][0], "ratio >= 0.8"), flush=True)
    finally:
        for process in (app, baseline):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
