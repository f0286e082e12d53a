"""Configuration classes; every setting comes from an environment variable with a safe default."""

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET = "dev-only-not-secret"


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or None


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'schoolpartners.db'}")
    # A ping before each checkout survives PostgreSQL restarts; SQLite files need none.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {} if SQLALCHEMY_DATABASE_URI.startswith("sqlite") else {"pool_pre_ping": True}
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(BASE_DIR / "instance" / "uploads"))
    # Per file; a request may carry one such file plus a little text (beyond that Werkzeug answers 413).
    MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 1024 * 1024

    # Mail: messages go to the outbox table; `flask send-mail` delivers them by SMTP.
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "schoolpartners <noreply@example.org>")
    # Undeliverable mail is retried (every hour at most) for this many days after it was written, then marked failed.
    MAIL_GIVE_UP_DAYS = int(os.environ.get("MAIL_GIVE_UP_DAYS", "7"))
    # Shows email bodies (live reset links) in the outbox page: local development only, ProdConfig refuses it.
    OUTBOX_SHOW_BODIES = _bool("OUTBOX_SHOW_BODIES")

    # Rate limits live in shared storage so they hold across gunicorn workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "100 per 15 minutes")
    # Emails anyone can make the site send (password reset, registration, confirmation links): per address
    # from one client (refused beyond it), and per address in all (beyond it nothing is sent, the answer is the same).
    MAIL_LIMIT_PER_ADDRESS = os.environ.get("MAIL_LIMIT_PER_ADDRESS", "5 per hour")
    MAIL_LIMIT_PER_ADDRESS_TOTAL = os.environ.get("MAIL_LIMIT_PER_ADDRESS_TOTAL", "20 per hour")
    MAIL_LIMIT_PER_IP = os.environ.get("MAIL_LIMIT_PER_IP", "30 per hour")

    BABEL_DEFAULT_LOCALE = "de"
    BABEL_DEFAULT_TIMEZONE = "Europe/Berlin"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    # Logins end after this long without a request (idle) or since they began (at most); shared school
    # computers are why pupils' limits are short. Activity is recorded at most every few minutes.
    SESSION_IDLE_MINUTES_STUDENT = int(os.environ.get("SESSION_IDLE_MINUTES_STUDENT", "60"))
    SESSION_MAX_HOURS_STUDENT = int(os.environ.get("SESSION_MAX_HOURS_STUDENT", "12"))
    SESSION_IDLE_MINUTES_STAFF = int(os.environ.get("SESSION_IDLE_MINUTES_STAFF", str(12 * 60)))
    SESSION_MAX_HOURS_STAFF = int(os.environ.get("SESSION_MAX_HOURS_STAFF", str(14 * 24)))
    SESSION_ACTIVITY_INTERVAL_SECONDS = int(os.environ.get("SESSION_ACTIVITY_INTERVAL_SECONDS", "300"))
    # Strict-Transport-Security max-age; 0 sends no header (ProdConfig turns it on).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "0"))
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted; 0 trusts none.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))
    # Host names the app answers to (Flask checks the Host header against them); None accepts any.
    TRUSTED_HOSTS: list[str] | None = _list("TRUSTED_HOSTS")
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so long forms do not expire

    BOOTSTRAP_SERVE_LOCAL = True

    # How often a process asks whether another process changed school data (its own changes show at once).
    CATALOG_RECHECK_SECONDS = float(os.environ.get("CATALOG_RECHECK_SECONDS", "2"))

    # Below this age a student needs a recorded parental consent (per country of the school).
    CONSENT_AGE = {"DE": int(os.environ.get("CONSENT_AGE_DE", "16")), "RU": int(os.environ.get("CONSENT_AGE_RU", "16"))}
    # Archived student accounts and their work are deleted this many days later (`flask purge-archived`).
    STUDENT_RETENTION_DAYS = int(os.environ.get("STUDENT_RETENTION_DAYS", "365"))

    TOKEN_MAX_AGE_HOURS = int(os.environ.get("TOKEN_MAX_AGE_HOURS", "24"))

    # A second factor (TOTP) for the foundation's coordinators and school coordinators, set up at their next
    # request; teachers may set one up. Off by default so the demo of `make run` logs in with one step.
    MFA_REQUIRED = _bool("MFA_REQUIRED")

    # argon2id parameters (OWASP's recommendation: m=19 MiB, t=2, p=1).
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19 * 1024
    ARGON2_PARALLELISM = 1

    # The address in every link of every email; never taken from the request (its Host header is the client's).
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")

    SITE_OPERATOR = os.environ.get("SITE_OPERATOR", "Stiftung West-Östliche Begegnungen (demo)")
    IMPRINT_TEXT = os.environ.get(
        "IMPRINT_TEXT",
        "Stiftung West-Östliche Begegnungen (demo)\nMusterstraße 1, 10117 Berlin\ninfo@example.org",
    )
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "privacy@example.org")
    DEMO_PASSWORD = os.environ.get("SP_DEMO_PASSWORD", "demo-2026")


class DevConfig(Config):
    DEBUG = False
    OUTBOX_SHOW_BODIES = _bool("OUTBOX_SHOW_BODIES", True)  # bodies hold live reset links (ProdConfig refuses it)


class TestConfig(Config):
    TESTING = True
    CATALOG_RECHECK_SECONDS = 0.0
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = False
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    OUTBOX_SHOW_BODIES = False
    MFA_REQUIRED = False  # tests that need it switch it on


class ProdConfig(Config):
    SESSION_COOKIE_SECURE = True
    MFA_REQUIRED = _bool("MFA_REQUIRED", True)
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    # Only the site's own host name unless more are listed.
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS") or [urlsplit(Config.SITE_URL).hostname or "localhost"]

    @classmethod
    def check(cls) -> None:
        """Refuse to start with a missing or default secret key."""
        key = os.environ.get("SECRET_KEY", "")
        if not key or key == DEFAULT_SECRET or len(key) < 16:
            raise RuntimeError("SECRET_KEY must be set to a long random value in production.")
        if cls.OUTBOX_SHOW_BODIES:
            raise RuntimeError("OUTBOX_SHOW_BODIES shows live reset links and is for local development only.")
