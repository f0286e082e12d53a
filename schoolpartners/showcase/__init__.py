"""The public showcase of completed projects, recognitions and participation certificates."""

from .views import bp

__all__ = ["bp"]
