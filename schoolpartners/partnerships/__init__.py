"""Partner suggestions, partnership requests and partnerships."""

from .views import bp

__all__ = ["bp"]
