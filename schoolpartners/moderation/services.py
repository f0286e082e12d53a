"""Reporting posts and messages, and the moderators' decisions on the reports.

A decision concerns the reported thing, not one report of it, so it closes every open report of the same
target at once; each closed report gets the decision on record (decided_by, decided_at, decision_note and
a ModerationDecision row, so a later decision never erases an earlier one). A closed report never reopens;
a new report of the same thing starts a new one.

    open      --hide-->     hidden     the target is hidden from members (kept for moderators)
    open      --dismiss-->  dismissed  nothing wrong; the target stays visible
    open      --warn-->     dismissed  the target stays visible; its author gets the moderator's note
    dismissed --hide-->     hidden     a moderator thinks again
    hidden    --restore-->  dismissed  the target is shown again; its hidden reports become dismissed too
    hidden, dismissed --warn--> unchanged: the author is told, the warning recorded (e.g. after hiding)

Who moderates a report: active coordinators always; staff whose registry scopes include the report's scope —
except the author of the reported text, who neither sees nor decides reports about it (nor learns who
reported). Services add and flush, never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User, UserRole
from ..domain import DomainError
from ..extensions import db
from ..notifications.services import notify
from ..sqltypes import utcnow
from . import registry
from .models import DecisionAction, ModerationDecision, Report, ReportState

REASON_LIMIT = 1000
NOTE_LIMIT = 1000
REASON_TOO_LONG = _l("The reason is too long (at most 1,000 characters).")
NOTE_TOO_LONG = _l("The note is too long (at most 1,000 characters).")


class ModerationError(DomainError):
    pass


@dataclass(frozen=True)
class Shown:
    """What the queue shows of a report's target; `exists` is False when it is gone (or its kind is). `withheld`:
    its author is hidden from the viewer (no parents' consent, another school), so neither text nor link is shown
    and the viewer does not decide; `reporter_hidden`: the reporter is, so their name is not shown."""

    label: str
    excerpt: str = ""
    link: str | None = None
    hidden: bool = False
    exists: bool = False
    withheld: bool = False
    reporter_hidden: bool = False


def excerpt_of(target: registry.ReportTarget, obj) -> str:
    """The target's excerpt on one line, cut to 300 characters."""
    text = " ".join(target.excerpt(obj).split())
    limit = registry.EXCERPT_LENGTH
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def load(report: Report) -> tuple[registry.ReportTarget | None, object | None]:
    """The report's target adapter and object; (None, None) for an unknown kind, (target, None) when gone."""
    try:
        target = registry.target(report.kind)
    except KeyError:
        return None, None
    return target, target.load(report.target_id)


# --- who moderates ---------------------------------------------------------------------------------------


def moderators(scope: str) -> list[User]:
    """Everyone who moderates `scope`: the active coordinators and the active staff the features name."""
    coordinators = db.session.scalars(
        sa.select(User).where(User.role == UserRole.coordinator, User.is_active.is_(True)).order_by(User.id)
    )
    found = {user.id: user for user in coordinators}
    for user in registry.moderators_of(scope):
        if user.is_active and user.is_staff:
            found.setdefault(user.id, user)
    return list(found.values())


def scopes_of(user: User) -> set[str] | None:
    """The scopes a user moderates; None for coordinators (all of them)."""
    if user.is_coordinator:
        return None
    return registry.scopes_for(user) if user.is_staff else set()


def can_moderate(report: Report, user: User) -> bool:
    """Coordinators, and staff moderating the report's scope who did not write the reported text."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_coordinator:
        return True
    if not user.is_staff or report.author_id == user.id:
        return False
    return report.scope in scopes_of(user)


def queue(user: User, decided: bool = False, scopes: set[str] | None = None) -> sa.Select:
    """The reports `user` moderates: open ones oldest first, or decided ones newest first."""
    query = sa.select(Report).options(
        joinedload(Report.reporter).joinedload(User.school), joinedload(Report.author).joinedload(User.school)
    )
    if decided:
        query = (
            query.where(Report.state != ReportState.open)
            .options(selectinload(Report.decisions).joinedload(ModerationDecision.by))
            .order_by(Report.decided_at.desc(), Report.id.desc())
        )
    else:
        query = query.where(Report.state == ReportState.open).order_by(Report.created_at, Report.id)
    if not user.is_coordinator:
        scopes = scopes if scopes is not None else scopes_of(user)
        query = query.where(Report.scope.in_(sorted(scopes)), Report.author_id.is_distinct_from(user.id))
    return query


def describe(reports: Iterable[Report], viewer: User) -> dict[int, Shown]:
    """What the queue shows `viewer` of each report's target, each kind's targets loaded together; without the
    text of authors and the names of reporters the kind hides from the viewer (Finding #8)."""
    reports = list(reports)
    wanted: dict[str, set[int]] = defaultdict(set)
    people: dict[str, dict[int, User]] = defaultdict(dict)
    for report in reports:
        wanted[report.kind].add(report.target_id)
        for person in (report.author, report.reporter):
            if person is not None:
                people[report.kind][person.id] = person
    loaded: dict[tuple[str, int], tuple[registry.ReportTarget, object]] = {}
    hidden: dict[str, set[int]] = {}
    for kind, ids in wanted.items():
        try:
            target = registry.target(kind)
        except KeyError:
            continue
        for target_id, obj in target.load_many(ids).items():
            loaded[kind, target_id] = (target, obj)
        hidden[kind] = target.hidden_people(viewer, list(people[kind].values())) if people[kind] else set()
    shown = {}
    for report in reports:
        target, obj = loaded.get((report.kind, report.target_id), (None, None))
        reporter_hidden = report.reporter_id in hidden.get(report.kind, ())
        if target is None:
            shown[report.id] = Shown(label=registry.ReportTarget.label, reporter_hidden=reporter_hidden)
        elif report.author_id is not None and report.author_id in hidden[report.kind]:
            shown[report.id] = Shown(label=target.label, exists=True, withheld=True, reporter_hidden=reporter_hidden)
        else:
            shown[report.id] = Shown(
                label=target.label,
                excerpt=excerpt_of(target, obj),
                link=target.link(obj),
                hidden=target.is_hidden(obj),
                exists=True,
                reporter_hidden=reporter_hidden,
            )
    return shown


def actions_for(report: Report, shown: Shown) -> tuple[str, ...]:
    """The decisions the queue offers on a report, given what its target looks like now; none on a target whose
    author is hidden from the moderator (the author's own school decides)."""
    if shown.withheld:
        return ()
    actions = []
    if shown.exists and not shown.hidden and report.state is not ReportState.hidden:
        actions.append("hide")
    if shown.exists and shown.hidden:
        actions.append("restore")
    if report.state is ReportState.open:
        actions.append("dismiss")
    if report.author_id is not None:
        actions.append("warn")
    return tuple(actions)


# --- reporting -------------------------------------------------------------------------------------------


def report(kind: str, target_id: int, user: User, reason: str) -> Report:
    """A member reports a post or message; its moderators and the coordinators are told."""
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_l("Please say what is wrong with it."), field="reason")
    if len(reason) > REASON_LIMIT:
        raise ModerationError(REASON_TOO_LONG, field="reason")
    try:
        target = registry.target(kind)
    except KeyError:
        raise ModerationError(_l("This cannot be reported.")) from None
    obj = target.load(target_id)
    if obj is None:
        raise ModerationError(_l("This post or message does not exist any more."))
    if not target.can_report(obj, user):
        raise ModerationError(_l("You cannot report this."))
    already = db.session.scalar(
        sa.select(Report.id).where(
            Report.kind == kind,
            Report.target_id == target_id,
            Report.reporter_id == user.id,
            Report.state == ReportState.open,
        )
    )
    if already is not None:
        raise ModerationError(_l("You have reported this already. The moderators will look at it."), field="reason")
    author = target.author_of(obj)
    new = Report(
        kind=kind,
        target_id=target_id,
        scope=target.scope_of(obj),
        reporter_id=user.id,
        author_id=author.id if author else None,
        reason=reason,
    )
    db.session.add(new)
    db.session.flush()
    link = url_for("moderation.list_reports")
    for moderator in moderators(new.scope):
        if moderator.id not in (user.id, new.author_id):
            notify(moderator, "report_received", link=link)
    return new


# --- decisions -------------------------------------------------------------------------------------------


def withheld_from(report: Report, user: User) -> bool:
    """Whether the reported text's author is hidden from `user` (see ReportTarget.hidden_people)."""
    if report.author is None:
        return False
    try:
        target = registry.target(report.kind)
    except KeyError:
        return False
    return bool(target.hidden_people(user, [report.author]))


def _check(report: Report, by: User, note: str) -> str:
    # Finding #8: who must not see the text does not decide on it either; the author's own school does.
    if not can_moderate(report, by) or withheld_from(report, by):
        raise ModerationError(_l("You cannot moderate this report."))
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise ModerationError(NOTE_TOO_LONG, field="note")
    return note


def _decide(
    report: Report, by: User, action: DecisionAction, note: str, new_state: ReportState, closing=(ReportState.open,)
) -> None:
    """Record the decision on `report` and on the target's other reports in a `closing` state; all get `new_state`."""
    affected = [report]
    if closing:
        affected += db.session.scalars(
            sa.select(Report)
            .where(
                Report.kind == report.kind,
                Report.target_id == report.target_id,
                Report.state.in_(closing),
                Report.id != report.id,
            )
            .with_for_update()
        ).all()
    now = utcnow()
    for each in affected:
        each.state = new_state
        each.decided_by_id, each.decided_at, each.decision_note = by.id, now, note
        db.session.add(ModerationDecision(report=each, action=action, by_id=by.id, decided_at=now, note=note))
    db.session.flush()


def _existing(report: Report) -> tuple[registry.ReportTarget, object]:
    target, obj = load(report)
    if obj is None:
        raise ModerationError(_l("This post or message does not exist any more. Dismiss the report."))
    return target, obj


def hide(report: Report, by: User, note: str = "") -> None:
    """Hide the reported thing and close its open reports as hidden."""
    note = _check(report, by, note)
    if report.state is ReportState.hidden:
        raise ModerationError(_l("This has been hidden already."))
    target, obj = _existing(report)
    if not target.is_hidden(obj):
        target.hide(obj, by)
    _decide(report, by, DecisionAction.hide, note, ReportState.hidden)


def restore(report: Report, by: User, note: str = "") -> None:
    """Show the hidden thing again; its open and hidden reports become dismissed."""
    note = _check(report, by, note)
    target, obj = _existing(report)
    if not target.is_hidden(obj):
        raise ModerationError(_l("This is not hidden."))
    target.restore(obj, by)
    _decide(report, by, DecisionAction.restore, note, ReportState.dismissed, (ReportState.open, ReportState.hidden))


def dismiss(report: Report, by: User, note: str = "") -> None:
    """Nothing wrong: close the open reports of the thing as dismissed."""
    note = _check(report, by, note)
    if report.state is not ReportState.open:
        raise ModerationError(_l("This report has been decided already."))
    _decide(report, by, DecisionAction.dismiss, note, ReportState.dismissed)


def warn(report: Report, by: User, note: str = "") -> None:
    """Send the author the moderator's note; an open report is closed as dismissed, a decided one keeps its state."""
    note = _check(report, by, note)
    if not note:
        raise ModerationError(_l("Please write what the author should know."), field="note")
    if report.author is None:
        raise ModerationError(_l("The author is not known any more."))
    target, obj = load(report)
    notify(report.author, "moderation_warning", link=target.link(obj) if obj is not None else None, note=note)
    if report.state is ReportState.open:
        _decide(report, by, DecisionAction.warn, note, ReportState.dismissed)
    else:
        _decide(report, by, DecisionAction.warn, note, report.state, closing=())


ACTIONS = {"hide": hide, "restore": restore, "dismiss": dismiss, "warn": warn}
