"""Tandems: learner profiles, optimal pairing rounds, the supervised pair workspace, the adult pool."""

from . import adult_views, consent, moderation_targets, pair_views  # noqa: F401  routes, report kind, receivers register on import
from .views import bp

__all__ = ["bp"]
