"""Login limits live in shared storage (Redis in production), so gunicorn workers count together."""

import os

import pytest
from limits import parse
from limits.storage import storage_from_string

from config import TestConfig
from schoolpartners import create_app
from schoolpartners.extensions import db, limiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_app(app):
    if not _redis_available():
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()

    class RedisConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        RATELIMIT_STORAGE_URI = REDIS_URL

    second = create_app(RedisConfig)
    yield second
    with second.app_context():
        db.engine.dispose()  # close its pooled connections before the app is dropped
    redis.Redis.from_url(REDIS_URL).flushdb()
    limiter.init_app(app)  # the extension is shared: point it back at the suite's storage


def test_failures_counted_in_redis_are_seen_by_another_worker(redis_app):
    client = redis_app.test_client()
    for _ in range(10):
        response = client.post("/login", data={"email": "Ghost@Example.org", "password": "wrong"})
        assert response.status_code == 401
    assert client.post("/login", data={"email": "ghost@example.org", "password": "x"}).status_code == 429
    # A second worker has its own connection to the same Redis and sees the same count.
    other_worker = type(limiter.limiter)(storage_from_string(REDIS_URL))
    account_limit = parse(redis_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    # A name without an account is counted under its folded form (an account under its id).
    assert not other_worker.test(account_limit, "login-account", "name:ghost@example.org")
    assert other_worker.test(account_limit, "login-account", "name:someone-else@example.org")
