"""Partnership requests and partnerships: plain functions that flush, raise PartnershipError, never commit."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from ..accounts.models import User
from ..cities.models import Country
from ..domain import DomainError
from ..extensions import db
from ..locking import get_locked
from ..notifications.services import notify
from ..schools.catalog import bump_catalog
from ..schools.models import School, SchoolStatus, Visibility
from ..schools.services import staff_ids, staff_users
from ..sqltypes import utcnow
from .models import Partnership, PartnershipEvent, PartnershipRequest, PartnershipStatus, RequestMessage, RequestState

REQUEST_DAYS = 60
MESSAGE_LIMIT = 4000

# What the loser of a race on a request reads: the decision (or expiry) that got there first.
ALREADY_DECIDED = {
    RequestState.accepted: _l("This request has already been accepted."),
    RequestState.declined: _l("This request has already been declined."),
    RequestState.withdrawn: _l("This request has already been withdrawn."),
    RequestState.expired: _l("This request has expired."),
}


class PartnershipError(DomainError):
    """Bad input for an operation of this domain."""


def pair_key(a: int, b: int) -> str:
    return f"{min(a, b)}-{max(a, b)}"


def _notify_school(target: School, kind: str, link: str, exclude: int | None = None, **params) -> None:
    for user in staff_users(target.id):
        if user.id != exclude:
            notify(user, kind, link=link, **params)


def expire_overdue(now=None, pair_key: str | None = None) -> int:
    """Mark open requests past their 60 days as expired (only those of one pair of schools, if given); returns
    how many. The UPDATE's row locks and its re-checked condition let a decision that got there first win."""
    now = now or utcnow()
    query = sa.update(PartnershipRequest).where(
        PartnershipRequest.state == RequestState.open, PartnershipRequest.expires_at < now
    )
    if pair_key is not None:
        query = query.where(PartnershipRequest.pair_key == pair_key)
    return db.session.execute(query.values(state=RequestState.expired, decided_at=now)).rowcount


def existing_partnership(a: School, b: School) -> Partnership | None:
    german, russian = (a, b) if a.country is Country.DE else (b, a)
    return db.session.scalar(
        sa.select(Partnership).where(
            Partnership.german_school_id == german.id,
            Partnership.russian_school_id == russian.id,
            Partnership.status != PartnershipStatus.ended,
        )
    )


def send_request(
    sender: User,
    from_school: School,
    to_school: School,
    message_de: str,
    message_ru: str,
    topics_mask: int,
    forms_mask: int,
) -> PartnershipRequest:
    """Ask a school in the other country for a partnership."""
    if sender.id not in staff_ids(from_school.id):
        raise PartnershipError(_l("You can only send requests for your own school."))
    if from_school.id == to_school.id:
        raise PartnershipError(_l("A school cannot ask itself for a partnership."))
    if from_school.country is to_school.country:
        raise PartnershipError(_l("A partnership joins a German and a Russian school."))
    if not (from_school.status is SchoolStatus.verified and to_school.status is SchoolStatus.verified):
        raise PartnershipError(_l("Both schools must be verified by the foundation first."))
    if len(message_de) > MESSAGE_LIMIT or len(message_ru) > MESSAGE_LIMIT:
        raise PartnershipError(_l("The message is too long (at most 4,000 characters)."), field="message_de")
    if existing_partnership(from_school, to_school):
        raise PartnershipError(_l("These schools are already partners."))
    key = pair_key(from_school.id, to_school.id)
    expire_overdue(pair_key=key)
    if db.session.scalar(
        sa.select(PartnershipRequest.id).where(
            PartnershipRequest.pair_key == key, PartnershipRequest.state == RequestState.open
        )
    ):
        raise PartnershipError(_l("There is already an open request between these schools."))
    now = utcnow()
    req = PartnershipRequest(
        from_school_id=from_school.id,
        to_school_id=to_school.id,
        pair_key=key,
        sender_id=sender.id,
        message_de=message_de.strip(),
        message_ru=message_ru.strip(),
        topics_mask=topics_mask,
        forms_mask=forms_mask,
        state=RequestState.open,
        created_at=now,
        expires_at=now + timedelta(days=REQUEST_DAYS),
    )
    try:
        with db.session.begin_nested():  # the unique index is the last guard when both schools ask at once
            db.session.add(req)
    except IntegrityError:
        raise PartnershipError(_l("There is already an open request between these schools.")) from None
    link = url_for("partnerships.show_request", request_id=req.id)
    _notify_school(to_school, "request_received", link, school=from_school.name)
    return req


def _require_open(req: PartnershipRequest) -> None:
    """Lock the request and re-read its state: of decisions made at the same moment (accept, decline, withdraw,
    the expiry job) exactly one takes effect; the others are refused saying which one did."""
    # A fresh locking select: refresh() would repeat the view's outer joins, which PostgreSQL cannot lock.
    get_locked(PartnershipRequest, req.id)
    if req.state is RequestState.open and req.expires_at < utcnow():
        req.state, req.decided_at = RequestState.expired, utcnow()
    if req.state is not RequestState.open:
        raise PartnershipError(ALREADY_DECIDED[req.state])


def withdraw_request(req: PartnershipRequest, by: User) -> None:
    """The sending school takes its request back."""
    if by.id not in staff_ids(req.from_school_id):
        raise PartnershipError(_l("Only the sending school can withdraw its request."))
    _require_open(req)
    req.state, req.decided_at, req.decided_by_id = RequestState.withdrawn, utcnow(), by.id
    link = url_for("partnerships.show_request", request_id=req.id)
    _notify_school(req.to_school, "request_withdrawn", link, school=req.from_school.name)
    db.session.flush()


def decline_request(req: PartnershipRequest, by: User, reason: str) -> None:
    """The receiving school's coordinator declines, optionally saying why."""
    if by.id not in staff_ids(req.to_school_id, coordinators_only=True):
        raise PartnershipError(_l("Only a coordinator of the receiving school can decide."))
    _require_open(req)
    if len(reason) > MESSAGE_LIMIT:
        raise PartnershipError(_l("The message is too long (at most 4,000 characters)."), field="reason")
    req.state, req.decided_at, req.decided_by_id = RequestState.declined, utcnow(), by.id
    req.decline_reason = reason.strip()
    link = url_for("partnerships.show_request", request_id=req.id)
    _notify_school(req.from_school, "request_declined", link, school=req.to_school.name)
    db.session.flush()


def add_message(req: PartnershipRequest, by: User, body: str) -> RequestMessage:
    """A question or an answer on an open request, from staff of either school."""
    _require_open(req)
    body = body.strip()
    if not body:
        raise PartnershipError(_l("Please write a message."), field="body")
    if len(body) > MESSAGE_LIMIT:
        raise PartnershipError(_l("The message is too long (at most 4,000 characters)."), field="body")
    if by.id in staff_ids(req.from_school_id):
        school, other = req.from_school, req.to_school
    elif by.id in staff_ids(req.to_school_id):
        school, other = req.to_school, req.from_school
    else:
        raise PartnershipError(_l("Only staff of the two schools can write here."))
    message = RequestMessage(request_id=req.id, author_id=by.id, school_id=school.id, body=body)
    db.session.add(message)
    link = url_for("partnerships.show_request", request_id=req.id)
    _notify_school(other, "request_message", link, school=school.name)
    db.session.flush()
    return message


def accept_request(req: PartnershipRequest, by: User, contact: User) -> Partnership:
    """The receiving school's coordinator accepts and names its fixed contact person."""
    if by.id not in staff_ids(req.to_school_id, coordinators_only=True):
        raise PartnershipError(_l("Only a coordinator of the receiving school can decide."))
    _require_open(req)
    if contact.id not in staff_ids(req.to_school_id):
        raise PartnershipError(_l("The contact person must be on your school's staff."), field="contact")
    sender_contact = req.sender if req.sender_id in staff_ids(req.from_school_id) else None
    if sender_contact is None:
        raise PartnershipError(_l("The person who sent the request is no longer on their school's staff."))
    german_is_sender = req.from_school.country is Country.DE
    partnership = existing_partnership(req.from_school, req.to_school)
    if partnership is not None:
        raise PartnershipError(_l("These schools are already partners."))
    partnership = Partnership(
        german_school_id=req.from_school_id if german_is_sender else req.to_school_id,
        russian_school_id=req.to_school_id if german_is_sender else req.from_school_id,
        german_contact_id=sender_contact.id if german_is_sender else contact.id,
        russian_contact_id=contact.id if german_is_sender else sender_contact.id,
        status=PartnershipStatus.active,
        status_changed_at=utcnow(),
        status_changed_by_id=by.id,
    )
    try:
        with db.session.begin_nested():  # the pair's unique constraint stays the last guard
            db.session.add(partnership)
    except IntegrityError:
        raise PartnershipError(_l("These schools are already partners.")) from None
    db.session.add(PartnershipEvent(partnership_id=partnership.id, kind="started", by_id=by.id))
    req.state, req.decided_at, req.decided_by_id = RequestState.accepted, utcnow(), by.id
    req.partnership_id = partnership.id
    bump_catalog()
    link = url_for("partnerships.show_partnership", partnership_id=partnership.id)
    _notify_school(req.from_school, "request_accepted", link, school=req.to_school.name)
    _notify_school(req.to_school, "partnership_started", link, exclude=by.id, school=req.from_school.name)
    db.session.flush()
    return partnership


def side_of(partnership: Partnership, user: User) -> School | None:
    """The user's school in this partnership, if they are on its staff."""
    if user.id in staff_ids(partnership.german_school_id):
        return partnership.german_school
    if user.id in staff_ids(partnership.russian_school_id):
        return partnership.russian_school
    return None


def set_partnership_status(partnership: Partnership, by: User, status: PartnershipStatus, note: str = "") -> None:
    """Pause, resume or end a partnership (a coordinator of either school, or the foundation)."""
    get_locked(Partnership, partnership.id)  # two changes at once: the second sees the first (ended stays ended)
    mine = side_of(partnership, by)
    if not by.is_coordinator and (mine is None or by.id not in staff_ids(mine.id, coordinators_only=True)):
        raise PartnershipError(_l("Only a school coordinator of one of the two schools can change this."))
    if partnership.status is PartnershipStatus.ended:
        raise PartnershipError(_l("An ended partnership cannot be changed; send a new request instead."))
    if status is partnership.status:
        return
    kind = {PartnershipStatus.active: "resumed", PartnershipStatus.paused: "paused", PartnershipStatus.ended: "ended"}[
        status
    ]
    partnership.status, partnership.status_changed_at, partnership.status_changed_by_id = status, utcnow(), by.id
    db.session.add(PartnershipEvent(partnership_id=partnership.id, kind=kind, by_id=by.id, note=note.strip()[:500]))
    bump_catalog()
    link = url_for("partnerships.show_partnership", partnership_id=partnership.id)
    for school in (partnership.german_school, partnership.russian_school):
        _notify_school(school, "partnership_status", link, exclude=by.id, status=status.label)
    db.session.flush()


def replace_contact(partnership: Partnership, by: User, school: School, new_contact: User) -> None:
    """Name a new fixed contact person for one side; there is never a side without one."""
    get_locked(Partnership, partnership.id)
    if school.id not in (partnership.german_school_id, partnership.russian_school_id):
        raise PartnershipError(_l("This school is not part of the partnership."))
    if not by.is_coordinator and by.id not in staff_ids(school.id, coordinators_only=True):
        raise PartnershipError(_l("Only a school coordinator of that school can change its contact person."))
    if new_contact.id not in staff_ids(school.id):
        raise PartnershipError(_l("The contact person must be on that school's staff."), field="contact")
    if school.id == partnership.german_school_id:
        partnership.german_contact_id = new_contact.id
    else:
        partnership.russian_contact_id = new_contact.id
    db.session.add(
        PartnershipEvent(
            partnership_id=partnership.id, kind="contact_changed", by_id=by.id, note=new_contact.display_name
        )
    )
    link = url_for("partnerships.show_partnership", partnership_id=partnership.id)
    notify(new_contact, "contact_named", link=link, school=school.name)
    db.session.flush()


def city_partnerships(german_city_id: int, russian_city_id: int, verified_staff: bool) -> list[Partnership]:
    """Active school partnerships between two twin cities (names only: shown on public pages), of schools the
    viewer may see listed: verified, and public unless the viewer is verified staff (finding #20)."""
    german, russian = aliased(School), aliased(School)
    query = (
        sa.select(Partnership)
        .join(german, german.id == Partnership.german_school_id)
        .join(russian, russian.id == Partnership.russian_school_id)
        .where(
            german.city_id == german_city_id,
            russian.city_id == russian_city_id,
            Partnership.status == PartnershipStatus.active,
            german.status == SchoolStatus.verified,
            russian.status == SchoolStatus.verified,
        )
    )
    if not verified_staff:
        query = query.where(german.visibility == Visibility.public, russian.visibility == Visibility.public)
    return list(
        db.session.scalars(
            query.options(joinedload(Partnership.german_school), joinedload(Partnership.russian_school)).order_by(
                Partnership.created_at
            )
        )
    )
