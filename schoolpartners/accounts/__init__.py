"""Accounts: users, roles, login, registration, passwords, sessions."""

from .views import bp

__all__ = ["bp"]
