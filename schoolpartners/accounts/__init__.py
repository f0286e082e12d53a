"""Accounts: users, roles, login, registration, passwords, sessions."""

from . import data_views, deletion_views, mfa_views  # noqa: F401  register the own-data, account-deletion, MFA routes
from .views import bp

__all__ = ["bp"]
