"""The demo world (`flask seed-demo`) inside the test's transaction, with look-ups by the names a reader knows:
the people and objects the reliability review's requests used (lena.schmidt's tandem, teacher.hamburg's class …)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from schoolpartners.accounts.models import User
from schoolpartners.accounts.services import find_by_login
from schoolpartners.demo import seed_demo
from schoolpartners.extensions import db
from schoolpartners.tandem.models import TandemMember, TandemPair


class Demo:
    """seed_demo(), and the demo's users and objects by name."""

    def __init__(self, app: Flask):
        seed_demo()
        db.session.flush()
        self.app = app

    def user(self, login: str) -> User:
        user = find_by_login(login)
        assert user is not None, login
        return user

    def client(self, login: str | None):
        """A test client logged in as `login` through the login form (anonymous for None)."""
        client = self.app.test_client()
        if login is not None:
            response = client.post("/login", data={"email": login, "password": self.app.config["DEMO_PASSWORD"]})
            assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client

    def pair_of(self, login: str) -> TandemPair:
        """The active tandem pair `login` belongs to."""
        return db.session.scalars(
            sa.select(TandemPair).join(TandemMember).where(TandemMember.user_id == self.user(login).id)
        ).first()
