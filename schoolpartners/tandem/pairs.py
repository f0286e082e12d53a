"""A tandem pair at work: who may see and write, messages, session log, reciprocity, vocabulary, pause and leave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_datetime, get_timezone
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..classes.models import ClassPartnership, ConsentScope
from ..classes.services import may
from ..csvfile import csv_text
from ..domain import DomainError
from ..extensions import db
from ..i18n import current_locale
from ..locking import get_locked
from ..notifications.services import notify
from ..signals import student_archived
from ..sqltypes import utcnow
from .models import (
    PairingRound,
    PairState,
    SessionNote,
    TandemMeeting,
    TandemMember,
    TandemMessage,
    TandemPair,
    TandemSession,
    VocabularyEntry,
)
from .services import current_teachers

MESSAGE_LENGTH = 4000
BALANCE_WINDOW_DAYS = 28  # "for weeks": the sessions of the last four weeks
BALANCE_WARN_SHARE = 0.65  # one language above this share of the minutes …
BALANCE_WARN_WEEKS = 2  # … in sessions spread over at least two different weeks


def load_pair(pair_id: int) -> TandemPair | None:
    return db.session.scalar(
        sa.select(TandemPair)
        .where(TandemPair.id == pair_id)
        .options(
            selectinload(TandemPair.members).joinedload(TandemMember.user),
            joinedload(TandemPair.round).joinedload(PairingRound.class_partnership),
        )
    )


def supervisor_ids(pair: TandemPair) -> set[int]:
    """The teachers of the two classes of the pair's round, still on their school's staff (adults: none)."""
    if pair.round is None:
        return set()
    link: ClassPartnership = pair.round.class_partnership
    rows = db.session.execute(current_teachers((link.german_class_id, link.russian_class_id)))
    return {user_id for user_id, _class_id in rows}


def supervisors(pair: TandemPair) -> list[User]:
    ids = supervisor_ids(pair)
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)))) if ids else []


def is_member(pair: TandemPair, user: User) -> bool:
    return user.is_authenticated and pair.member(user) is not None


def can_view(pair: TandemPair, user: User) -> bool:
    """Members of a published pair; the supervising teachers of both schools; nobody else.

    A proposed pair has no page of its own: the teachers change it on its round's page until both approve.
    """
    if not user.is_authenticated or pair.state is PairState.proposed:
        return False
    if is_member(pair, user):
        # Finding #1: a pupil whose parents have not agreed (or withdrew) neither reads nor sees the partner.
        return has_messaging_consent(user)
    return user.is_staff and user.id in supervisor_ids(pair)


def can_supervise(pair: TandemPair, user: User) -> bool:
    return user.is_authenticated and user.is_staff and user.id in supervisor_ids(pair)


def has_messaging_consent(user: User) -> bool:
    """Students under the consent age need their parents' consent for tandem messaging."""
    return not user.is_student or may(user, ConsentScope.tandem)


def write_refusal(pair: TandemPair, user: User) -> str | None:
    """Why `user` may not write in the pair now (translated), or None when they may."""
    if not is_member(pair, user):
        return _("Only the partners of this tandem write here.")
    if pair.state is PairState.paused:
        return _("The teachers have paused this tandem for now.")
    if pair.state is not PairState.active:
        return _("This tandem has ended.")
    if not has_messaging_consent(user):
        return _("Messaging in the tandem needs your parents' consent first. Please ask your teacher.")
    return None


def _check_write(pair: TandemPair, user: User) -> None:
    refusal = write_refusal(pair, user)
    if refusal:
        raise DomainError(refusal)


def _touch(pair: TandemPair) -> None:
    pair.last_activity_at = utcnow()


def post_message(pair: TandemPair, user: User, body: str) -> TandemMessage:
    """Add a message of a partner (text, Markdown links rendered safely on display)."""
    _check_write(pair, user)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write a message first."), field="body")
    if len(body) > MESSAGE_LENGTH:
        raise DomainError(_("A message can have at most %(count)d characters.", count=MESSAGE_LENGTH), field="body")
    message = TandemMessage(pair_id=pair.id, author_id=user.id, body=body)
    db.session.add(message)
    _touch(pair)
    db.session.flush()
    return message


def messages(pair: TandemPair, with_hidden: bool, limit: int = 200) -> list[TandemMessage]:
    """The newest messages, oldest first; hidden ones only `with_hidden` (for supervisors, who see them marked)."""
    query = sa.select(TandemMessage).where(TandemMessage.pair_id == pair.id).options(joinedload(TandemMessage.author))
    if not with_hidden:
        query = query.where(TandemMessage.hidden_at.is_(None))
    newest = db.session.scalars(query.order_by(TandemMessage.id.desc()).limit(limit)).all()
    return list(reversed(newest))


def log_session(pair: TandemPair, user: User, data: dict) -> TandemSession:
    """Log one meeting: date, minutes in German and in Russian, topics, what each partner learned."""
    _check_write(pair, user)
    if data["held_on"] > date.today() + timedelta(days=1):
        raise DomainError(_("A session cannot lie in the future."), field="held_on")
    if data["minutes_de"] + data["minutes_ru"] <= 0:
        raise DomainError(_("Enter how many minutes you spoke German and Russian."), field="minutes_de")
    session = TandemSession(
        pair_id=pair.id,
        held_on=data["held_on"],
        minutes_de=data["minutes_de"],
        minutes_ru=data["minutes_ru"],
        topics=data.get("topics", "").strip(),
        logged_by_id=user.id,
    )
    for member in pair.members:
        learned = (data.get("learned") or {}).get(member.user_id, "").strip()
        if learned:
            session.notes.append(SessionNote(user_id=member.user_id, learned=learned))
    db.session.add(session)
    _touch(pair)
    db.session.flush()
    return session


def sessions(pair: TandemPair) -> list[TandemSession]:
    return list(
        db.session.scalars(
            sa.select(TandemSession)
            .where(TandemSession.pair_id == pair.id)
            .options(
                selectinload(TandemSession.notes).joinedload(SessionNote.user), joinedload(TandemSession.logged_by)
            )
            .order_by(TandemSession.held_on.desc(), TandemSession.id.desc())
        )
    )


@dataclass(frozen=True)
class Balance:
    """The tandem principle is 50/50: minutes in German and in Russian, overall and lately."""

    minutes_de: int
    minutes_ru: int
    recent_de: int
    recent_ru: int
    dominant: str | None  # "de" or "ru" when one language has dominated the recent weeks

    @property
    def share_de(self) -> int:
        total = self.minutes_de + self.minutes_ru
        return round(100 * self.minutes_de / total) if total else 50

    @property
    def share_ru(self) -> int:
        return 100 - self.share_de


def balance(logged: list[TandemSession], today: date) -> Balance:
    """Totals and the warning: one language above 65 % of the minutes in sessions of two or more recent weeks."""
    since = today - timedelta(days=BALANCE_WINDOW_DAYS)
    recent = [s for s in logged if s.held_on >= since]
    recent_de = sum(s.minutes_de for s in recent)
    recent_ru = sum(s.minutes_ru for s in recent)
    weeks = {s.held_on.isocalendar()[:2] for s in recent}
    dominant = None
    total = recent_de + recent_ru
    if len(weeks) >= BALANCE_WARN_WEEKS and total:
        if recent_de / total > BALANCE_WARN_SHARE:
            dominant = "de"
        elif recent_ru / total > BALANCE_WARN_SHARE:
            dominant = "ru"
    return Balance(
        minutes_de=sum(s.minutes_de for s in logged),
        minutes_ru=sum(s.minutes_ru for s in logged),
        recent_de=recent_de,
        recent_ru=recent_ru,
        dominant=dominant,
    )


def add_word(pair: TandemPair, user: User, data: dict) -> VocabularyEntry:
    _check_write(pair, user)
    word, translation = data["word"].strip(), data["translation"].strip()
    if not word or not translation:
        raise DomainError(_("Enter the word and its translation."), field="word")
    entry = VocabularyEntry(
        pair_id=pair.id,
        word=word,
        translation=translation,
        example=data.get("example", "").strip(),
        added_by_id=user.id,
    )
    db.session.add(entry)
    _touch(pair)
    db.session.flush()
    return entry


def vocabulary(pair: TandemPair) -> list[VocabularyEntry]:
    return list(
        db.session.scalars(
            sa.select(VocabularyEntry)
            .where(VocabularyEntry.pair_id == pair.id)
            .options(joinedload(VocabularyEntry.added_by))
            .order_by(VocabularyEntry.word)
        )
    )


def vocabulary_csv(entries: list[VocabularyEntry], header: list[str]) -> str:
    """The list as CSV, through the shared writer (`;`, UTF-8 with BOM, formula guard on every cell: finding #19)."""
    return csv_text(
        header,
        (
            (entry.word, entry.translation, entry.example, entry.added_by.display_name if entry.added_by else "")
            for entry in entries
        ),
    )


def lock_pair(pair: TandemPair) -> TandemPair:
    """Take the pair's row lock and re-read it and its members under it (pause, resume, end and leave are decided
    on the state as it is now, not as the page loaded it)."""
    get_locked(TandemPair, pair.id)
    db.session.scalars(
        sa.select(TandemMember).where(TandemMember.pair_id == pair.id).execution_options(populate_existing=True)
    ).all()
    return pair


def set_paused(pair: TandemPair, by: User, paused: bool) -> None:
    """A supervising teacher pauses a pair (nobody writes) or lets it go on (not while a partner lacks consent)."""
    lock_pair(pair)
    if pair.state not in (PairState.active, PairState.paused):
        raise DomainError(_("This tandem has ended."))
    if not paused and not all(has_messaging_consent(m.user) for m in pair.members):
        raise DomainError(_("The parents' consent to the tandem is missing for a partner. The tandem stays paused."))
    wanted = PairState.paused if paused else PairState.active
    if pair.state is wanted:  # a second click: nothing changes, nobody is told twice
        return
    pair.state = wanted
    kind = "tandem_paused" if paused else "tandem_resumed"
    for member in pair.members:
        notify(member.user, kind, link=url_for("tandem.show_pair", pair_id=pair.id))
    db.session.flush()


def end_pair(pair: TandemPair, by: User) -> None:
    """A supervising teacher (or an adult partner) ends the pair; the others are told."""
    lock_pair(pair)
    if pair.state not in (PairState.active, PairState.paused):
        raise DomainError(_("This tandem has ended."))
    pair.state = PairState.ended
    for member in pair.members:
        if member.user_id != by.id:
            notify(member.user, "tandem_ended", link=url_for("tandem.home"))
    db.session.flush()


def request_leave(pair: TandemPair, user: User) -> None:
    """A partner asks to leave; the supervising teachers decide (adult pairs end at once)."""
    lock_pair(pair)
    member = pair.member(user)
    if member is None or pair.state is PairState.ended:
        raise DomainError(_("This tandem has ended."))
    if pair.round is None:
        end_pair(pair, user)
        return
    if member.leave_requested_at is not None:
        raise DomainError(_("You have already asked to leave this tandem."))
    member.leave_requested_at = utcnow()
    for teacher in supervisors(pair):
        notify(
            teacher, "tandem_leave_requested", link=url_for("tandem.show_pair", pair_id=pair.id), name=user.display_name
        )
    db.session.flush()


# --- planned meetings ----------------------------------------------------------------------------------------

MEETING_HORIZON = timedelta(days=366)


def plan_meeting(pair: TandemPair, user: User, starts_at: datetime, minutes: int, place: str) -> TandemMeeting:
    """Plan a call or meeting (an instant in UTC); the partners are told, with the time in their own zone."""
    _check_write(pair, user)
    now = utcnow()
    if starts_at <= now:
        raise DomainError(_("Choose a time in the future."), field="day")
    if starts_at > now + MEETING_HORIZON:
        raise DomainError(_("Plan at most a year ahead."), field="day")
    meeting = TandemMeeting(
        pair_id=pair.id, starts_at=starts_at, minutes=minutes, place=place.strip(), created_by_id=user.id
    )
    db.session.add(meeting)
    _touch(pair)
    db.session.flush()
    for member in pair.members:
        if member.user_id != user.id:
            notify(
                member.user,
                "tandem_meeting_planned",
                link=url_for("tandem.show_pair", pair_id=pair.id, _anchor="meetings"),
            )
    return meeting


def cancel_meeting(pair: TandemPair, user: User, meeting_id: int) -> None:
    _check_write(pair, user)
    meeting = db.session.get(TandemMeeting, meeting_id)
    if meeting is None or meeting.pair_id != pair.id:
        raise DomainError(_("This meeting does not exist (any more)."))
    db.session.delete(meeting)
    db.session.flush()


def upcoming_meetings(pair: TandemPair, now: datetime) -> list[TandemMeeting]:
    """Meetings that have not ended yet, soonest first."""
    return [
        m
        for m in db.session.scalars(
            sa.select(TandemMeeting)
            .where(TandemMeeting.pair_id == pair.id, TandemMeeting.starts_at >= now - timedelta(hours=3))
            .order_by(TandemMeeting.starts_at)
        )
        if m.starts_at + timedelta(minutes=m.minutes) >= now
    ]


def member_zones(pair: TandemPair) -> list[tuple[str, str]]:
    """(IANA zone, place name) of each member: a student's school city, else the user's own zone."""
    found = []
    for member in pair.members:
        user = member.user
        school = user.school if user.is_student else None
        if school is not None:
            found.append((school.city.zone, school.city.name(current_locale())))
        else:
            found.append((user.timezone, user.timezone.rsplit("/", 1)[-1].replace("_", " ")))
    return found


def zone_times(moment: datetime, zones: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The moment in the members' zones that differ from the viewer's ("18:00 Sankt Petersburg")."""
    viewer = str(get_timezone())
    shown, seen = [], {viewer}
    for zone, place in zones:
        if zone not in seen:
            seen.add(zone)
            shown.append((format_datetime(moment.astimezone(ZoneInfo(zone)), "short", rebase=False), place))
    return shown


@student_archived.connect
def end_pairs_of_leaver(student: User, **_kwargs) -> None:
    """A student who leaves the school leaves their tandems: the pairs end and the partners are told."""
    running = db.session.scalars(
        sa.select(TandemPair)
        .join(TandemMember)
        .where(TandemMember.user_id == student.id, TandemPair.state.in_((PairState.active, PairState.paused)))
        .with_for_update(of=TandemPair)
        .options(selectinload(TandemPair.members).joinedload(TandemMember.user))
        .execution_options(populate_existing=True)
    ).all()
    for pair in running:
        pair.state = PairState.ended
        for member in pair.members:
            if member.user_id != student.id:
                notify(member.user, "tandem_partner_left", link=url_for("tandem.home"))
    db.session.flush()
