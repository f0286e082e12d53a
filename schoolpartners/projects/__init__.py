"""Joint projects: two schools on equal footing, milestones, workspace, submissions."""

from . import moderation_targets, workspace_views  # noqa: F401  their routes and report kinds register on import
from .views import bp

__all__ = ["bp"]
