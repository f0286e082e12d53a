"""Landing page, dashboards, health, legal pages."""

from .views import bp

__all__ = ["bp"]
