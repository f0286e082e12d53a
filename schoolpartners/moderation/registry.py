"""What can be reported and who moderates where: features plug in here, so moderation depends on none of them.

A feature registers, when its package is imported,

- one `ReportTarget` per kind of thing members can report (`register(PostTarget())`), and
- one pair of scope functions (`register_scopes(scopes_for_user, moderators_of_scope)`): which scopes a
  user moderates, and who moderates a scope (the projects feature: a project's teachers moderate
  "project:<id>").

Coordinators moderate every scope; the services add them, the resolvers need not.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from ..accounts.models import User

KIND_LENGTH = 20  # Report.kind
SCOPE_LENGTH = 40  # Report.scope
EXCERPT_LENGTH = 300


class ReportTarget(ABC):
    """One kind of reportable thing (a post, a comment, a tandem message), adapted to the moderation queue."""

    kind: str  # stored with each report, at most 20 characters: "post", "comment", "tandem_message"
    label = _l("Post or message")  # shown in the queue; override with a lazily translated name ("Post")

    @abstractmethod
    def load(self, target_id: int) -> object | None:
        """The object, or None when it does not exist (any more)."""

    def load_many(self, target_ids: Iterable[int]) -> dict[int, object]:
        """Several objects by id, for a page of the queue. Override with one query: this default runs one each."""
        loaded = {target_id: self.load(target_id) for target_id in set(target_ids)}
        return {target_id: obj for target_id, obj in loaded.items() if obj is not None}

    @abstractmethod
    def scope_of(self, obj) -> str:
        """Where the object lives, which decides who moderates it: "project:12" (at most 40 characters)."""

    @abstractmethod
    def author_of(self, obj) -> User | None:
        """Who wrote it (warned by moderators; never shown reports about it)."""

    @abstractmethod
    def excerpt(self, obj) -> str:
        """Plain text shown to moderators, at most 300 characters (longer text is cut)."""

    @abstractmethod
    def link(self, obj) -> str:
        """The local URL where the object appears ("/projects/12/workspace#post-5")."""

    @abstractmethod
    def can_report(self, obj, user: User) -> bool:
        """Whether `user` may report it: members of the place where it appears, not outsiders."""

    @abstractmethod
    def hide(self, obj, by: User) -> None:
        """Hide it from members (keep it for moderators; do not delete). Add and flush, never commit."""

    @abstractmethod
    def restore(self, obj, by: User) -> None:
        """Show it again after `hide`."""

    @abstractmethod
    def is_hidden(self, obj) -> bool:
        """Whether it is hidden by moderation now."""

    def hidden_people(self, viewer: User, people: list[User]) -> set[int]:
        """Ids of the people (authors, reporters) whom `viewer` must not see where this kind appears, e.g. pupils
        without their parents' consent, of another school: the queue leaves out their names and text. One query
        for all; this default hides nobody."""
        return set()


ScopesForUser = Callable[["User"], set[str]]
ModeratorsOfScope = Callable[[str], list["User"]]


@dataclass(frozen=True)
class ScopeResolver:
    scopes_for_user: ScopesForUser
    moderators_of_scope: ModeratorsOfScope


_targets: dict[str, ReportTarget] = {}
_resolvers: list[ScopeResolver] = []


def register(report_target: ReportTarget) -> ReportTarget:
    """Make a kind reportable; each kind once."""
    kind = report_target.kind
    if not kind or len(kind) > KIND_LENGTH:
        raise ValueError(f"report kind must have 1 to {KIND_LENGTH} characters: {kind!r}")
    if kind in _targets and _targets[kind] is not report_target:
        raise ValueError(f"report kind {kind!r} is registered already")
    _targets[kind] = report_target
    return report_target


def unregister(kind: str) -> None:
    """Forget a kind (tests register fake kinds and remove them again)."""
    _targets.pop(kind, None)


def target(kind: str) -> ReportTarget:
    """The target for `kind`; KeyError for an unknown kind (views answer 404)."""
    return _targets[kind]


def register_scopes(scopes_for_user: ScopesForUser, moderators_of_scope: ModeratorsOfScope) -> ScopeResolver:
    """Add a feature's pair of scope functions; both must agree (user in moderators_of(s) ⇔ s in scopes_for(user))."""
    resolver = ScopeResolver(scopes_for_user, moderators_of_scope)
    _resolvers.append(resolver)
    return resolver


def unregister_scopes(resolver: ScopeResolver) -> None:
    if resolver in _resolvers:
        _resolvers.remove(resolver)


def scopes_for(user: User) -> set[str]:
    """The scopes a user moderates through the features (coordinators moderate all without being listed)."""
    scopes: set[str] = set()
    for resolver in _resolvers:
        scopes |= set(resolver.scopes_for_user(user))
    return scopes


def moderators_of(scope: str) -> list[User]:
    """The users who moderate `scope` through the features, each once (coordinators are not included)."""
    found: dict[int, User] = {}
    for resolver in _resolvers:
        for user in resolver.moderators_of_scope(scope):
            found.setdefault(user.id, user)
    return list(found.values())
