"""Projects and their showcase entry under concurrency (review §1, F2): what both schools do at the same moment
(confirm, complete, agree to publication) takes the project on; conflicting decisions (accept and reject a change,
cancel and complete) leave exactly one outcome, and only its notifications."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import SchoolClass
from schoolpartners.extensions import db
from schoolpartners.notifications.models import Notification
from schoolpartners.projects.models import Project, ProjectRevision, ProjectSide, ProjectState, RevisionState
from schoolpartners.showcase.models import ShowcaseEntry
from schoolpartners.sqltypes import utcnow
from tests.committed import Background, holding_lock, together, wait_for_lock_waiters
from tests.factories import PASSWORD, add_partnership, add_project
from tests.texts import translated

pytestmark = pytest.mark.committed

ALREADY_DECIDED = "This change has already been decided."
NOT_ACTIVE = "Only an active project can be completed."
ENDED = "This project has already ended."
COMPLETED_NOTE = "Noted: your school considers the project completed."
AGREED = "Your school agrees to the publication."
_codes = itertools.count(1)


@pytest.fixture
def project(committed_app, make_school, make_user, make_city):
    """make(state, confirmed=True, **side_fields): a project of a German and a Russian class, each side with its
    contact teacher; returns the ids and both contacts' clients (logged in)."""

    def make(state: ProjectState, confirmed: bool = True, **side_fields) -> dict:
        with committed_app.app_context():
            de = make_school(Country.DE, city=make_city(Country.DE))
            ru = make_school(Country.RU, city=make_city(Country.RU, timezone="Europe/Moscow"))
            world = {"de": de, "ru": ru}
            world["de_teacher"] = make_user("teacher", school=de)
            world["ru_teacher"] = make_user("teacher", school=ru, locale="ru", timezone="Europe/Moscow")
            world["partnership"] = add_partnership(de, ru, world["de_teacher"], world["ru_teacher"])
            for key, school in (("de", de), ("ru", ru)):
                world[f"{key}_class"] = SchoolClass(
                    school_id=school.id, name=f"8{key}", school_year="2026/27", join_code=f"PR{next(_codes):06d}"
                )
                db.session.add(world[f"{key}_class"])
            db.session.flush()
            built = add_project(world, state, date(2026, 9, 1), date(2027, 6, 1), [])
            for side in built.sides:
                if not confirmed:
                    side.confirmed_at = None
                for name, value in side_fields.items():
                    setattr(side, name, value)
            db.session.commit()
            found = {
                "id": built.id,
                "sides": {key: side.id for key, side in zip(("de", "ru"), built.sides, strict=True)},
                "teachers": {key: world[f"{key}_teacher"].id for key in ("de", "ru")},
                "logins": {key: world[f"{key}_teacher"].login_name for key in ("de", "ru")},
            }
        found["clients"] = {key: _client(committed_app, name) for key, name in found["logins"].items()}
        return found

    return make


def _client(committed_app, login_name: str):
    client = committed_app.test_client()
    answer = client.post("/login", data={"email": login_name, "password": PASSWORD})
    assert answer.status_code == 302
    with client.session_transaction() as session:
        session.pop("_flashes", None)  # "welcome back": the tests read the flashes of their own requests
    return client


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def _state(committed_app, found) -> tuple[ProjectState, dict[str, ProjectSide]]:
    with committed_app.app_context():
        state = db.session.get(Project, found["id"]).state
        sides = {key: db.session.get(ProjectSide, ident) for key, ident in found["sides"].items()}
        db.session.expunge_all()
        return state, sides


def _kinds(committed_app, found) -> list[str]:
    """The notifications about this project, by kind."""
    with committed_app.app_context():
        return sorted(
            db.session.scalars(
                sa.select(Notification.kind).where(
                    Notification.link.in_([f"/projects/{found['id']}", f"/showcase/{found['id']}"])
                )
            )
        )


def _post_all(found, path: str, keys=("de", "ru"), data=None):
    return together(*(lambda key=key: found["clients"][key].post(path, data=data or {}) for key in keys))


# --- F2: completing at the same moment -------------------------------------------------------------------------


def test_a_completion_waiting_for_the_other_schools_sees_it_and_completes(committed_app, project):
    found = project(ProjectState.active)
    russian = found["clients"]["ru"]
    with holding_lock(committed_app, Project, found["id"]) as german:
        completing = Background(lambda: russian.post(f"/projects/{found['id']}/complete"))
        wait_for_lock_waiters(committed_app)
        german.get(ProjectSide, found["sides"]["de"]).wants_completion = True
        german.commit()
    assert completing.result().status_code == 302
    state, sides = _state(committed_app, found)
    assert state is ProjectState.completed
    assert sides["de"].wants_completion and sides["ru"].wants_completion
    assert _flashes(russian) == [translated(committed_app, COMPLETED_NOTE, "ru")]
    assert _kinds(committed_app, found) == ["project_completed"]


def test_both_contacts_completing_at_once_complete_the_project(committed_app, project):
    found = project(ProjectState.active)
    answers = _post_all(found, f"/projects/{found['id']}/complete")
    assert [answer.status_code for answer in answers] == [302, 302]
    state, _sides = _state(committed_app, found)
    assert state is ProjectState.completed
    assert _kinds(committed_app, found) == ["project_completed", "project_completion_proposed"]


# --- confirming a draft at the same moment ---------------------------------------------------------------------


def test_a_confirmation_waiting_for_the_other_schools_sees_it_and_activates(committed_app, project):
    found = project(ProjectState.draft, confirmed=False)
    russian = found["clients"]["ru"]
    with holding_lock(committed_app, Project, found["id"]) as german:
        confirming = Background(lambda: russian.post(f"/projects/{found['id']}/confirm"))
        wait_for_lock_waiters(committed_app)
        side = german.get(ProjectSide, found["sides"]["de"])
        side.confirmed_at, side.confirmed_by_id = utcnow(), found["teachers"]["de"]
        german.commit()
    assert confirming.result().status_code == 302
    state, _sides = _state(committed_app, found)
    assert state is ProjectState.active
    assert _kinds(committed_app, found) == ["project_active"]


def test_both_schools_confirming_at_once_activate_the_project(committed_app, project):
    found = project(ProjectState.draft, confirmed=False)
    answers = _post_all(found, f"/projects/{found['id']}/confirm")
    assert [answer.status_code for answer in answers] == [302, 302]
    state, sides = _state(committed_app, found)
    assert state is ProjectState.active
    assert sides["de"].confirmed_at and sides["ru"].confirmed_at
    assert _kinds(committed_app, found) == ["project_active", "project_confirmed"]


# --- a change accepted and rejected at the same moment --------------------------------------------------------


def _pending_change(committed_app, found) -> int:
    with committed_app.app_context():
        revision = ProjectRevision(
            project_id=found["id"],
            school_id=db.session.get(ProjectSide, found["sides"]["de"]).school_id,
            proposed_by_id=found["teachers"]["de"],
            goals_de="Neue Ziele",
            goals_ru="Новые цели",
            start_date=date(2026, 10, 1),
            end_date=date(2027, 5, 1),
        )
        db.session.add(revision)
        db.session.commit()
        return revision.id


def _revision(committed_app, revision_id) -> tuple[RevisionState, str]:
    with committed_app.app_context():
        revision = db.session.get(ProjectRevision, revision_id)
        return revision.state, db.session.get(Project, revision.project_id).goals_de


def test_accepting_a_change_rejected_meanwhile_is_refused(committed_app, project):
    found = project(ProjectState.active)
    revision_id = _pending_change(committed_app, found)
    russian = found["clients"]["ru"]
    with holding_lock(committed_app, Project, found["id"]) as other:
        accepting = Background(
            lambda: russian.post(f"/projects/{found['id']}/revisions/{revision_id}/accept", data={})
        )
        wait_for_lock_waiters(committed_app)
        revision = other.get(ProjectRevision, revision_id)
        revision.state, revision.decided_at = RevisionState.rejected, utcnow()
        other.commit()
    assert accepting.result().status_code == 302
    assert _revision(committed_app, revision_id) == (RevisionState.rejected, "")
    assert _flashes(russian) == [translated(committed_app, ALREADY_DECIDED, "ru")]
    assert _kinds(committed_app, found) == []


def test_accept_and_reject_at_once_decide_once(committed_app, project):
    found = project(ProjectState.active)
    revision_id = _pending_change(committed_app, found)
    second = _client(committed_app, found["logins"]["ru"])  # the same contact in a second tab
    base = f"/projects/{found['id']}/revisions/{revision_id}"
    answers = together(
        lambda: found["clients"]["ru"].post(f"{base}/accept", data={}),
        lambda: second.post(f"{base}/reject", data={}),
    )
    assert [answer.status_code for answer in answers] == [302, 302]
    state, goals = _revision(committed_app, revision_id)
    assert (state, goals) in ((RevisionState.accepted, "Neue Ziele"), (RevisionState.rejected, ""))
    assert _kinds(committed_app, found) == [f"project_revision_{state.value}"]
    assert translated(committed_app, ALREADY_DECIDED, "ru") in _flashes(found["clients"]["ru"]) + _flashes(second)


# --- cancelled and completed at the same moment ----------------------------------------------------------------


def test_completing_a_project_cancelled_meanwhile_is_refused(committed_app, project):
    found = project(ProjectState.active)
    russian = found["clients"]["ru"]
    with holding_lock(committed_app, Project, found["id"]) as german:
        completing = Background(lambda: russian.post(f"/projects/{found['id']}/complete"))
        wait_for_lock_waiters(committed_app)
        cancelled = german.get(Project, found["id"])
        cancelled.state, cancelled.cancel_reason = ProjectState.cancelled, "Schuljahr vorbei"
        german.commit()
    assert completing.result().status_code == 302
    state, sides = _state(committed_app, found)
    assert state is ProjectState.cancelled and not sides["ru"].wants_completion
    assert _flashes(russian) == [translated(committed_app, NOT_ACTIVE, "ru")]
    assert _kinds(committed_app, found) == []


def test_cancel_and_complete_at_once_end_the_project_once(committed_app, project):
    found = project(ProjectState.active)
    with committed_app.app_context():
        db.session.get(ProjectSide, found["sides"]["ru"]).wants_completion = True
        db.session.commit()
    answers = together(
        lambda: found["clients"]["de"].post(f"/projects/{found['id']}/complete"),
        lambda: found["clients"]["ru"].post(f"/projects/{found['id']}/cancel", data={"reason": "Keine Zeit"}),
    )
    assert [answer.status_code for answer in answers] == [302, 302]
    state, _sides = _state(committed_app, found)
    expected = {ProjectState.completed: ["project_completed"], ProjectState.cancelled: ["project_cancelled"]}
    assert _kinds(committed_app, found) == expected[state]
    refusal = {ProjectState.completed: ("ru", ENDED), ProjectState.cancelled: ("de", NOT_ACTIVE)}[state]
    assert _flashes(found["clients"][refusal[0]]) == [translated(committed_app, refusal[1], refusal[0])]


# --- the showcase: both schools agreeing at the same moment ----------------------------------------------------


def _entry(committed_app, found) -> int:
    with committed_app.app_context():
        entry = ShowcaseEntry(project_id=found["id"], summary_de="Wir haben", summary_ru="Мы")
        db.session.add(entry)
        db.session.commit()
        return entry.id


def _published(committed_app, entry_id) -> bool:
    with committed_app.app_context():
        return db.session.get(ShowcaseEntry, entry_id).published_at is not None


def test_an_agreement_waiting_for_the_other_schools_sees_it_and_publishes(committed_app, project):
    found = project(ProjectState.completed)
    entry_id = _entry(committed_app, found)
    russian = found["clients"]["ru"]
    with holding_lock(committed_app, Project, found["id"]) as german:
        agreeing = Background(lambda: russian.post(f"/projects/{found['id']}/showcase/agree"))
        wait_for_lock_waiters(committed_app)
        german.get(ProjectSide, found["sides"]["de"]).wants_publication = True
        german.commit()
    assert agreeing.result().status_code == 302
    assert _published(committed_app, entry_id)
    assert _flashes(russian) == [translated(committed_app, AGREED, "ru")]
    assert _kinds(committed_app, found) == ["showcase_published"]


def test_both_schools_agreeing_at_once_publish(committed_app, project):
    found = project(ProjectState.completed)
    entry_id = _entry(committed_app, found)
    answers = _post_all(found, f"/projects/{found['id']}/showcase/agree")
    assert [answer.status_code for answer in answers] == [302, 302]
    assert _published(committed_app, entry_id)
    assert _kinds(committed_app, found) == ["showcase_published"]
