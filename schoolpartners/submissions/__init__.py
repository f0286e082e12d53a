"""Students' work for project stages: submissions, versions, files, feedback, mixed teams."""

from .views import bp

__all__ = ["bp"]
