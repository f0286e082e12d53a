"""Moderation: members report posts and messages; teachers and coordinators decide. Features plug in via registry."""

from .views import bp

__all__ = ["bp"]
