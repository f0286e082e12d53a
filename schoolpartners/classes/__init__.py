"""Classes: teacher-managed classes, student accounts, parental consent, class partnerships."""

from . import students  # noqa: F401  registers the student-account routes on the blueprint
from .views import bp

__all__ = ["bp"]
