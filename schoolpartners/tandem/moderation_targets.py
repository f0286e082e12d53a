"""Tandem messages as reportable things; the teachers of a class partnership moderate "tandem:<id>".

Messages of adult pairs belong to "tandem:adults", which only the foundation's coordinators moderate.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..classes.models import ClassPartnership, ClassTeacher
from ..extensions import db
from ..moderation import registry
from ..sqltypes import utcnow
from . import consent, pairs
from .models import PairingRound, TandemMessage, TandemPair
from .services import current_teachers, taught_classes

SCOPE_PREFIX = "tandem:"
ADULT_SCOPE = "tandem:adults"


def scope_of_pair(pair: TandemPair) -> str:
    return f"{SCOPE_PREFIX}{pair.round.class_partnership_id}" if pair.round else ADULT_SCOPE


class TandemMessageTarget(registry.ReportTarget):
    kind = "tandem_message"
    label = _l("Tandem message")

    def load(self, target_id: int) -> TandemMessage | None:
        return self.load_many([target_id]).get(target_id)

    def load_many(self, target_ids: Iterable[int]) -> dict[int, TandemMessage]:
        found = db.session.scalars(
            sa.select(TandemMessage)
            .where(TandemMessage.id.in_(set(target_ids)))
            .options(joinedload(TandemMessage.pair).joinedload(TandemPair.round), joinedload(TandemMessage.author))
        )
        return {message.id: message for message in found}

    def scope_of(self, message: TandemMessage) -> str:
        return scope_of_pair(message.pair)

    def author_of(self, message: TandemMessage) -> User | None:
        return message.author

    def excerpt(self, message: TandemMessage) -> str:
        return message.body

    def link(self, message: TandemMessage) -> str:
        return url_for("tandem.show_pair", pair_id=message.pair_id, _anchor=f"message-{message.id}")

    def can_report(self, message: TandemMessage, user: User) -> bool:
        """The other partner (or a supervising teacher) reports; nobody reports their own message, nor one erased
        with its author's data (no text left)."""
        if not user.is_authenticated or message.author_id == user.id or message.hidden_at is not None:
            return False
        if not message.body:
            return False
        pair = pairs.load_pair(message.pair_id)
        if message.author is not None and consent.hidden(user, [message.author]):
            return False  # Finding #1: a partner without consent is left out, the report page's excerpt too
        return pair is not None and pairs.can_view(pair, user)

    def hidden_people(self, viewer: User, people: list[User]) -> set[int]:
        """Pupils without tandem consent, of another school than the viewer's: the pair page leaves them out, so the
        queue shows neither their messages nor their names (Finding #1)."""
        return consent.hidden(viewer, people)

    def hide(self, message: TandemMessage, by: User) -> None:
        message.hidden_at, message.hidden_by_id = utcnow(), by.id
        db.session.flush()

    def restore(self, message: TandemMessage, by: User) -> None:
        message.hidden_at = message.hidden_by_id = None
        db.session.flush()

    def is_hidden(self, message: TandemMessage) -> bool:
        return message.hidden_at is not None


def scopes_for(user: User) -> set[str]:
    """The class partnerships with a class this teacher teaches and at least one pairing round."""
    if not user.is_staff:
        return set()
    taught = taught_classes(user.id)
    ids = db.session.scalars(
        sa.select(PairingRound.class_partnership_id)
        .join(ClassPartnership, ClassPartnership.id == PairingRound.class_partnership_id)
        .where(sa.or_(ClassPartnership.german_class_id.in_(taught), ClassPartnership.russian_class_id.in_(taught)))
        .distinct()
    )
    return {f"{SCOPE_PREFIX}{link_id}" for link_id in ids}


def moderators_of(scope: str) -> list[User]:
    prefix, _sep, number = scope.partition(":")
    if f"{prefix}:" != SCOPE_PREFIX or not number.isdigit():
        return []
    link = db.session.get(ClassPartnership, int(number))
    if link is None:
        return []
    has_round = db.session.scalar(
        sa.select(PairingRound.id).where(PairingRound.class_partnership_id == link.id).limit(1)
    )
    if has_round is None:
        return []
    teachers = current_teachers((link.german_class_id, link.russian_class_id)).with_only_columns(ClassTeacher.user_id)
    return list(db.session.scalars(sa.select(User).where(User.id.in_(teachers))))


def _register() -> None:
    try:
        registry.target(TandemMessageTarget.kind)
    except KeyError:
        registry.register(TandemMessageTarget())
    registry.register_scopes(scopes_for, moderators_of)


_register()
