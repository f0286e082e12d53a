"""Fixtures of the account tests."""

import pyotp
import pytest

from schoolpartners.accounts.models import User
from schoolpartners.extensions import db
from schoolpartners.sqltypes import utcnow


@pytest.fixture
def enrolled(make_user):
    """make_user(...) with a second factor set up; `.totp` computes its codes."""

    def make(kind: str = "teacher", **fields) -> User:
        user = make_user(kind, **fields)
        user.mfa_secret = pyotp.random_base32(32)
        user.mfa_enabled_at = utcnow()
        db.session.flush()
        user.totp = pyotp.TOTP(user.mfa_secret)
        return user

    return make
