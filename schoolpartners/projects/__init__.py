"""Joint projects: two schools on equal footing, milestones, workspace, submissions."""

from .views import bp

__all__ = ["bp"]
