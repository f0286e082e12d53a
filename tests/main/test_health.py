import sqlalchemy as sa

from schoolpartners.extensions import db


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "limiter": "ok"}


def test_healthz_reports_database_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["database"] == "unavailable" and body["reason"]


def test_rollback_isolation_part_one(make_user):
    make_user("teacher", display_name="Isolation Probe")


def test_rollback_isolation_part_two(app):
    from schoolpartners.accounts.models import User

    assert db.session.scalar(sa.select(User).where(User.display_name == "Isolation Probe")) is None
