"""Schools: profiles, directory and search, staff, verification."""

from .views import bp

__all__ = ["bp"]
