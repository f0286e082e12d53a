"""Cities and German–Russian city partnerships."""

from .views import bp

__all__ = ["bp"]
