"""Page benchmarks: gunicorn with 2 workers, `wrk -t1 -c8 -d10s`, median of 3 rounds, each page
alternating with the baseline page served the same way in the same run. One JSON line per figure.
Then the resident memory a 25 MB upload adds to the one worker of a separate gunicorn; last, with every server
stopped, a 5,000 x 5,000 tandem pairing round against the assignment solver alone (bench/tandem.py)."""

from __future__ import annotations

import http.cookiejar
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

import sqlalchemy as sa

from bench import tandem
from bench.report import line
from bench.upload import MIB, csrf_token, make_pdf, memory_kib, post_file, reset_peak, worker_pid
from schoolpartners.scale import DEMO_PROJECT_TITLE

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
BIN = Path(sys.executable).parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
APP = "schoolpartners:create_app('Config')"
FLASK = [str(BIN / "flask"), "--app", APP]


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
        UPLOAD_DIR=str(WORK / "uploads"),
    )
    return env


def large_env(env: dict) -> dict:
    """The same demo world plus 10,000 generated schools, in a database of its own."""
    return {**env, "DATABASE_URL": f"sqlite:///{WORK / 'app10k.db'}"}


def prepare(env: dict) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    for name in ("app.db", "app.db-wal", "app.db-shm", "app10k.db", "app10k.db-wal", "app10k.db-shm", "baseline.db"):
        (WORK / name).unlink(missing_ok=True)
    shutil.rmtree(WORK / "uploads", ignore_errors=True)
    for command in (["db", "upgrade"], ["load-twin-cities"], ["seed-demo"]):
        subprocess.run(
            FLASK + command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
    shutil.copyfile(WORK / "app.db", WORK / "app10k.db")  # the CLI has closed it: no write-ahead log left
    subprocess.run(
        FLASK + ["seed-scale", "--schools", "10000"],
        cwd=ROOT,
        env=large_env(env),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [sys.executable, "-c", "from bench.baseline_app import prepare; prepare()"], cwd=ROOT, env=env, check=True
    )


def serve(target: str, port: int, env: dict, workers: int = 2) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
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


# Logged-in pages are loaded with the browser that logged in: Flask-Login's session protection compares the
# user agent with the one at login and would otherwise mark the session and send a new cookie on every request.
USER_AGENT = "schoolpartners-bench"


def login_cookie(base: str, email: str, password: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    opener.open(f"{base}/login", data=data)
    cookie = next(c for c in jar if c.name == "session")
    return f"session={cookie.value}"


def wrk(wrk_path: str, url: str, cookie: str | None = None) -> float:
    command = [wrk_path, "-t1", "-c8", f"-d{DURATION}", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if re.search(r"Non-2xx or 3xx responses: \d+", output):
        raise RuntimeError(f"wrk saw error responses for {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def check_page(url: str, cookie: str | None) -> None:
    """Fail unless the page answers 200 itself: wrk counts a redirect (say, to the login) as a success."""
    request = urllib.request.Request(url, headers={"Cookie": cookie, "User-Agent": USER_AGENT} if cookie else {})
    response = urllib.request.urlopen(request, timeout=30)
    if response.status != 200 or response.url != url:
        raise RuntimeError(f"{url} answered {response.status} at {response.url}, not 200")


def measure(wrk_path: str, base_url: str, pages: dict) -> dict[str, tuple[float, float]]:
    """Median requests/s of each page and of the baseline measured right before it, over ROUNDS rounds."""
    for url, page_cookie, _goal in pages.values():
        check_page(url, page_cookie)
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


def measure_scaling(wrk_path: str, base_url: str, pairs: dict) -> dict[str, tuple[float, float, float]]:
    """Per page: median requests/s at the demo size, at 10,000 schools, and of the baseline; each round measures
    the three back to back, so that both sizes meet the same machine conditions."""
    for small_url, large_url, small_cookie, large_cookie, _goal in pairs.values():
        check_page(small_url, small_cookie)
        check_page(large_url, large_cookie)
    results = {name: [] for name in pairs}
    for _ in range(ROUNDS):
        for name, (small_url, large_url, small_cookie, large_cookie, _goal) in pairs.items():
            base = wrk(wrk_path, base_url)
            small = wrk(wrk_path, small_url, small_cookie)
            large = wrk(wrk_path, large_url, large_cookie)
            results[name].append((small, large, base))
    return {name: tuple(statistics.median(run[i] for run in runs) for i in range(3)) for name, runs in results.items()}


def project_ids(env: dict) -> tuple[int, int, int]:
    """The demo Hamburg project, its stage with the most submissions, and its first individual stage."""
    engine = sa.create_engine(env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            project = conn.scalar(sa.text("SELECT id FROM project WHERE title_de = :t"), {"t": DEMO_PROJECT_TITLE})
            busiest = conn.scalar(
                sa.text(
                    "SELECT milestone_id FROM submission WHERE project_id = :p GROUP BY milestone_id"
                    " ORDER BY count(*) DESC, milestone_id LIMIT 1"
                ),
                {"p": project},
            )
            individual = conn.scalar(
                sa.text(
                    "SELECT id FROM milestone WHERE project_id = :p AND mode = 'individual'"
                    " ORDER BY deadline, id LIMIT 1"
                ),
                {"p": project},
            )
    finally:
        engine.dispose()
    return project, busiest, individual


def upload_memory(env: dict, project: int, stage: int) -> tuple[float, float | None]:
    """MiB by which one 25 MB PDF upload grows the worker's resident memory (after - before) and its peak
    (None where the peak cannot be reset), in a gunicorn with one worker, after a warm-up upload of 1 MB."""
    server = serve(APP, 8433, env, workers=1)
    try:
        base = "http://127.0.0.1:8433"
        cookie = login_cookie(base, "student.spb@example.org", "demo-2026")
        url = f"{base}/projects/{project}/milestones/{stage}"
        small = make_pdf(WORK / "warm-up-1mb.pdf", MIB)
        large = make_pdf(WORK / "upload-25mb.pdf", 25 * MIB)  # exactly MAX_UPLOAD_BYTES: allowed
        fields = {"text": "Bench: Quellen aus dem Archiv"}
        post_file(url, cookie, {"csrf_token": csrf_token(url, cookie), **fields}, "files", small)
        token = csrf_token(url, cookie)
        worker = worker_pid(server.pid)
        peak_reset = reset_peak(worker)
        before = memory_kib(worker)
        post_file(url, cookie, {"csrf_token": token, **fields}, "files", large)
        after, peak = memory_kib(worker), memory_kib(worker, "VmHWM")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        for name in ("warm-up-1mb.pdf", "upload-25mb.pdf"):
            (WORK / name).unlink(missing_ok=True)
    return (after - before) / 1024, (peak - before) / 1024 if peak_reset else None


def main() -> None:
    wrk_path = ensure_wrk()
    env = app_env()
    prepare(env)
    app = serve(APP, 8431, env)
    large_server = serve(APP, 8435, large_env(env))
    baseline = serve("bench.baseline_app:create_app()", 8432, env)
    try:
        app_url, base_url = "http://127.0.0.1:8431", "http://127.0.0.1:8432/"
        teacher = login_cookie(app_url, "teacher.hamburg@example.org", "demo-2026")
        head = login_cookie(app_url, "admin.hamburg@example.org", "demo-2026")
        pages = {
            "teacher_dashboard": (f"{app_url}/dashboard", teacher, "ratio >= 0.25"),
            "login_page": (f"{app_url}/login", None, "ratio >= 0.5"),
        }
        large_url = "http://127.0.0.1:8435"
        large_head = login_cookie(large_url, "admin.hamburg@example.org", "demo-2026")
        # "gymnasium" fills the first page of results in both worlds (24 and ~1,000 matches), so the pair
        # compares the cost of the number of schools, not of a half-empty page against a full one.
        scaling = {
            "schools_search": (
                f"{app_url}/schools?q=gymnasium",
                f"{large_url}/schools?q=gymnasium",
                None,
                None,
                "ratio >= 0.5",
            ),
            "partner_suggestions": (
                f"{app_url}/partners/suggestions",
                f"{large_url}/partners/suggestions",
                head,
                large_head,
                "ratio >= 0.25",
            ),
        }
        for name, (value, base) in measure(wrk_path, base_url, pages).items():
            print(line(name, value, base, pages[name][2]), flush=True)
        sizes = measure_scaling(wrk_path, base_url, scaling)
        for name, (_small, large, base) in sizes.items():
            print(line(f"{name}_10k_schools", large, base, scaling[name][4]), flush=True)
        for name, (small, large, _base) in sizes.items():
            print(line(f"{name}_scaling_demo_to_10k", large, small, "ratio >= 0.8"), flush=True)
        seeded = subprocess.run(
            FLASK + ["seed-project-scale", "--members", "200", "--submissions", "2000"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        print(f"bench: {seeded.stdout.strip()}", file=sys.stderr)
        project, busiest, individual = project_ids(env)
        big_project = {
            "project_page_200_members_2000_submissions": (f"{app_url}/projects/{project}", teacher, "ratio >= 0.2"),
            "stage_page_2000_submissions": (
                f"{app_url}/projects/{project}/milestones/{busiest}",
                teacher,
                "ratio >= 0.2",
            ),
        }
        for name, (value, base) in measure(wrk_path, base_url, big_project).items():
            print(line(name, value, base, big_project[name][2]), flush=True)
        growth, peak = upload_memory(env, project, individual)
        print(line("upload_25mb_rss_growth", growth, 10, "ratio < 1", unit="MB"), flush=True)
        if peak is None:
            print("bench: the worker's peak memory cannot be reset here; no peak figure", file=sys.stderr)
        else:
            print(line("upload_25mb_peak_rss_growth", peak, 10, "ratio < 1", unit="MB"), flush=True)
    finally:
        for process in (app, large_server, baseline):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
    tandem.main()  # needs no server: measured once they have stopped


if __name__ == "__main__":
    main()
