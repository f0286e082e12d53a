"""Notifications in the app and by email."""

from .views import bp

__all__ = ["bp"]
