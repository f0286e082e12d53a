"""Every form of the app, fuzzed: no answer is a 5xx, and nothing is stored unless the answer is the success redirect.

FORMS maps each FlaskForm subclass to the URL that takes it and the user who may post it; a form without an entry
fails test_every_form_has_a_fuzz_entry. The values come from Hypothesis strategies per field type, mixed with the
values the form's own page offers (choices, prefilled text), so that many examples get past validation."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import urlencode, urlsplit

import lxml.html
import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import (
    BooleanField,
    DateField,
    FileField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TimeField,
)
from wtforms.fields.core import UnboundField

import schoolpartners
from schoolpartners.accounts.models import TokenPurpose
from schoolpartners.accounts.services import issue_token
from schoolpartners.cities.models import TwinCityLink
from schoolpartners.classes.models import ClassMembership, ClassPartnership, SchoolClass
from schoolpartners.extensions import db, limiter
from schoolpartners.lru import LRU
from schoolpartners.moderation import services as moderation
from schoolpartners.partnerships.models import Partnership, PartnershipRequest, RequestState
from schoolpartners.projects.models import Milestone, Post, Project, ProjectState
from schoolpartners.schools.catalog import _cache as catalog_cache
from schoolpartners.schools.models import School, SchoolStatus, StaffMembership
from schoolpartners.submissions.models import Submission
from schoolpartners.tandem.models import PairingRound
from tests.demo_world import Demo

EXAMPLES = 30
MISSING = object()  # the field is left out of the request
HAMBURG = "Gymnasium Am Elbufer"
TEACHER, ADMIN, COORDINATOR = "teacher.hamburg@example.org", "admin.hamburg@example.org", "coordinator@example.org"
PUPIL = "lena.schmidt"


def redirected(response) -> bool:
    return 300 <= response.status_code < 400


@dataclass
class Entry:
    """Who posts the form (a demo login, None for anonymous), where, which page shows it (default: the same), and
    what its success looks like (default: a redirect without an error message)."""

    user: str | None
    url: Callable[[World], str]
    page: Callable[[World], str] | None = None
    success: Callable = redirected


@dataclass
class World:
    """Ids of the demo objects the forms act on (plain numbers: they outlive every rolled-back example)."""

    ids: dict[str, int] = field(default_factory=dict)
    reset_token: str = ""

    def __getattr__(self, name: str) -> int:
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None


FORMS: dict[str, Entry] = {
    # accounts
    "accounts.forms.LoginForm": Entry(None, lambda w: "/login"),
    "accounts.forms.RegisterForm": Entry(None, lambda w: "/register"),
    "accounts.forms.ResetRequestForm": Entry(None, lambda w: "/reset"),
    "accounts.forms.ResetPasswordForm": Entry(None, lambda w: f"/reset/{w.reset_token}"),
    "accounts.forms.ChangePasswordForm": Entry(TEACHER, lambda w: "/account/password"),
    "accounts.forms.ChangeEmailForm": Entry(TEACHER, lambda w: "/account/email"),
    "accounts.forms.ProfileForm": Entry(TEACHER, lambda w: "/account"),
    "accounts.mfa_forms.MfaCodeForm": Entry(TEACHER, lambda w: "/account/mfa/setup"),
    "accounts.mfa_forms.MfaLoginForm": Entry(None, lambda w: "/login/verify"),
    "accounts.mfa_forms.MfaRemoveForm": Entry(TEACHER, lambda w: "/account/mfa/remove", lambda w: "/account/mfa"),
    "privacy.forms.DeleteAccountForm": Entry("history.hamburg@example.org", lambda w: "/account/delete"),
    "forms.ActionForm": Entry(TEACHER, lambda w: "/notifications/read-all", lambda w: "/notifications"),
    # schools
    "schools.forms.SchoolForm": Entry(ADMIN, lambda w: f"/schools/{w.hamburg}/edit"),
    "schools.forms.InviteForm": Entry(
        ADMIN, lambda w: f"/schools/{w.hamburg}/staff/invite", lambda w: f"/schools/{w.hamburg}/staff"
    ),
    "schools.forms.RoleForm": Entry(
        ADMIN,
        lambda w: f"/schools/{w.hamburg}/staff/{w.teacher_membership}/role",
        lambda w: f"/schools/{w.hamburg}/staff",
    ),
    "schools.forms.DecisionForm": Entry(
        COORDINATOR, lambda w: f"/verification/{w.pending_school}", lambda w: "/verification"
    ),
    "cities.forms.LinkStatusForm": Entry(
        COORDINATOR, lambda w: f"/twin-cities/{w.twin_link}/status", lambda w: f"/twin-cities/{w.twin_link}"
    ),
    # partnerships
    "partnerships.forms.RequestForm": Entry(TEACHER, lambda w: f"/requests/new/{w.other_school}"),
    "partnerships.forms.AcceptForm": Entry(
        ADMIN, lambda w: f"/requests/{w.request}/accept", lambda w: f"/requests/{w.request}"
    ),
    "partnerships.forms.DeclineForm": Entry(
        ADMIN, lambda w: f"/requests/{w.request}/decline", lambda w: f"/requests/{w.request}"
    ),
    "partnerships.forms.MessageForm": Entry(
        ADMIN, lambda w: f"/requests/{w.request}/messages", lambda w: f"/requests/{w.request}"
    ),
    "partnerships.forms.StatusForm": Entry(
        TEACHER, lambda w: f"/partnerships/{w.partnership}/status", lambda w: f"/partnerships/{w.partnership}"
    ),
    "partnerships.forms.ContactForm": Entry(
        TEACHER, lambda w: f"/partnerships/{w.partnership}/contact", lambda w: f"/partnerships/{w.partnership}"
    ),
    # classes
    "classes.forms.ClassForm": Entry(TEACHER, lambda w: "/classes/new"),
    "classes.forms.StudentsForm": Entry(
        TEACHER,
        lambda w: f"/classes/{w.school_class}/students/new",
        success=lambda response: response.status_code == 200 and b'g-3 credentials"' in response.data,  # passwords
    ),
    "classes.forms.JoinForm": Entry(PUPIL, lambda w: "/classes/join", lambda w: "/classes"),
    "classes.forms.ConsentForm": Entry(
        TEACHER,
        lambda w: f"/classes/{w.school_class}/students/{w.student}/consent",
        lambda w: f"/classes/{w.school_class}/students/{w.student}",
    ),
    "classes.forms.ChoiceForm": Entry(
        TEACHER, lambda w: f"/classes/{w.school_class}/teachers", lambda w: f"/classes/{w.school_class}"
    ),
    "privacy.forms.DeleteStudentForm": Entry(
        TEACHER,
        lambda w: f"/classes/{w.school_class}/students/{w.student}/delete",
        lambda w: f"/classes/{w.school_class}/students/{w.student}",
    ),
    # projects, workspace, hand-ins, showcase
    "projects.forms.ProjectForm": Entry(TEACHER, lambda w: "/projects/new"),
    "projects.forms.MilestoneForm": Entry(TEACHER, lambda w: f"/projects/{w.project}/milestones/new"),
    "projects.forms.ReasonForm": Entry(
        TEACHER, lambda w: f"/projects/{w.project}/cancel", lambda w: f"/projects/{w.project}"
    ),
    "projects.forms.PostForm": Entry(
        TEACHER, lambda w: f"/projects/{w.project}/posts", lambda w: f"/projects/{w.project}/workspace"
    ),
    "projects.forms.CommentForm": Entry(
        TEACHER,
        lambda w: f"/projects/{w.project}/posts/{w.post}/comments",
        lambda w: f"/projects/{w.project}/workspace",
    ),
    "submissions.forms.SubmitForm": Entry(PUPIL, lambda w: f"/projects/{w.project}/milestones/{w.milestone}"),
    "submissions.forms.FeedbackForm": Entry(TEACHER, lambda w: f"/submissions/{w.submission}"),
    "submissions.forms.TeamForm": Entry(TEACHER, lambda w: f"/projects/{w.project}/teams"),
    "showcase.forms.ShowcaseForm": Entry(TEACHER, lambda w: f"/projects/{w.completed}/showcase"),
    "showcase.forms.AwardForm": Entry(
        COORDINATOR, lambda w: f"/showcase/{w.completed}/recognitions", lambda w: f"/showcase/{w.completed}"
    ),
    "moderation.forms.ReportForm": Entry(PUPIL, lambda w: f"/report/post/{w.post}"),
    "moderation.forms.DecisionForm": Entry(
        COORDINATOR, lambda w: f"/moderation/reports/{w.report}/hide", lambda w: "/moderation"
    ),
    # tandem
    "tandem.forms.ProfileForm": Entry(PUPIL, lambda w: "/tandem/profile"),
    "tandem.forms.RoundForm": Entry(
        TEACHER,
        lambda w: f"/tandem/class-partnerships/{w.link}/rounds",
        lambda w: f"/tandem/class-partnerships/{w.link}",
    ),
    "tandem.forms.SwapForm": Entry(
        TEACHER, lambda w: f"/tandem/rounds/{w.round}/swap", lambda w: f"/tandem/rounds/{w.round}"
    ),
    "tandem.forms.MessageForm": Entry(
        PUPIL, lambda w: f"/tandem/pairs/{w.pair}/messages", lambda w: f"/tandem/pairs/{w.pair}"
    ),
    "tandem.forms.SessionForm": Entry(
        PUPIL, lambda w: f"/tandem/pairs/{w.pair}/sessions", lambda w: f"/tandem/pairs/{w.pair}"
    ),
    "tandem.forms.WordForm": Entry(
        PUPIL, lambda w: f"/tandem/pairs/{w.pair}/vocabulary", lambda w: f"/tandem/pairs/{w.pair}"
    ),
    "tandem.forms.MeetingForm": Entry(
        PUPIL, lambda w: f"/tandem/pairs/{w.pair}/meetings", lambda w: f"/tandem/pairs/{w.pair}"
    ),
}
# Bases that no view instantiates itself; their subclasses have entries above.
BASES = {"forms.OnceForm"}


def all_forms() -> dict[str, type[FlaskForm]]:
    """Every FlaskForm subclass defined in the app, by its module path below `schoolpartners.`."""
    for module in pkgutil.walk_packages(schoolpartners.__path__, "schoolpartners."):
        importlib.import_module(module.name)
    found, todo = {}, list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("schoolpartners."):
            found[f"{cls.__module__.removeprefix('schoolpartners.')}.{cls.__qualname__}"] = cls
    return found


def test_every_form_has_a_fuzz_entry():
    missing = sorted(set(all_forms()) - set(FORMS) - BASES)
    assert not missing, (
        f"Forms without an entry in FORMS of tests/test_fuzz_forms.py (URL and user that post them): {missing}"
    )
    gone = sorted(set(FORMS) - set(all_forms()))
    assert not gone, f"FORMS of tests/test_fuzz_forms.py names forms that no longer exist: {gone}"


# --- values ------------------------------------------------------------------------------------------------------

TEXTS = [
    "",
    "   ",
    "\t\n ",
    "\x00",
    "ab\x00cd",
    "\x01\x07\x1b[31m\x7f",
    "\u202eטקסט עברי مرحبا",
    "😀👩‍👩‍👧‍👦🇩🇪",
    "<script>alert(1)</script><b onclick=x>",
    "%ff%fe",
    b"\xff\xfe",  # invalid UTF-8, sent raw (percent-encoded) in an urlencoded body
    "x" * 100_000,
    "Lena Schmidt; 4.2012\nИван Петров; 11.2011",
    "user@example.org",
    "https://example.org/",
]
NUMBERS = ["-1", "0", "1", "9", "13", "99999999999999999999999", "2147483648", "1e308", "NaN", "-inf", "²", "١٢", " 7 "]
DATES = ["2026-02-30", "2026-13-45", "99999-01-01", "0001-01-01", "9999-12-31", "1970-01-01", "25:61", "abc"]
TIMES = ["25:61", "24:00", "23:59", "00:00", "10:00:00", "-1:00", "abc"]
CHOICES = ["", "   ", "unknown", "-1", "0", "99999999999999999999999", "2147483648", "\x00", "²"]
PLAUSIBLE = [
    "Hallo zusammen",
    "Привет всем",
    "2026/27",
    "user@example.org",
    "https://example.org/",
    "Lena Schmidt; 4.2012",
]
FILES = [
    (b"%PDF-1.4\n%%EOF\n", "work.pdf", "application/pdf"),
    (b"MZ\x90\x00", "work.pdf", "application/pdf"),  # an executable named .pdf
    (b"hello", "photo.jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "x" * 300 + ".png", "image/png"),
    (b"", "", "application/octet-stream"),
]


def hostile_values(unbound: UnboundField):
    """Values that a form of this field type must survive."""
    kind = unbound.field_class
    if issubclass(kind, (FileField, MultipleFileField)):
        return st.sampled_from(FILES)
    if issubclass(kind, BooleanField):
        return st.sampled_from(["y", "", "on", "false", "\x00"])
    if issubclass(kind, IntegerField):
        return st.one_of(st.sampled_from(NUMBERS), st.integers(-(2**70), 2**70).map(str))
    if issubclass(kind, DateField):
        return st.sampled_from(DATES)
    if issubclass(kind, TimeField):
        return st.sampled_from(TIMES)
    if issubclass(kind, (SelectField, SelectMultipleField, RadioField)):
        return st.sampled_from(CHOICES)
    return st.one_of(st.sampled_from(TEXTS), st.text(st.characters(exclude_categories=("Cs",)), max_size=40))


def good_values(unbound: UnboundField, offered: list[str]):
    """Values a careful user would send, so that the other fields' hostile values get past validation."""
    kind = unbound.field_class
    if issubclass(kind, (FileField, MultipleFileField)):
        return st.just(FILES[0])
    if issubclass(kind, DateField):
        today = date.today()
        return st.dates(today - timedelta(days=60), today + timedelta(days=60)).map(date.isoformat)
    if issubclass(kind, TimeField):
        return st.times().map(lambda t: t.strftime("%H:%M"))
    if issubclass(kind, IntegerField):
        return st.sampled_from([v for v in offered if v] or ["9", "45", "12"])
    if issubclass(kind, (SelectField, SelectMultipleField, RadioField, BooleanField)) and offered:
        return st.sampled_from(offered)
    return st.sampled_from([v for v in offered if v.strip()] + PLAUSIBLE)


def form_fields(cls: type[FlaskForm]) -> dict[str, UnboundField]:
    fields = {}
    for klass in reversed(cls.__mro__):
        fields.update({name: value for name, value in vars(klass).items() if isinstance(value, UnboundField)})
    return fields


def page_values(html: str, page: str, action: str) -> dict[str, list[str]]:
    """What the form posted to `action` offers on `page`: choices of selects, radios and checkboxes, prefilled
    values of the other fields."""
    offered: dict[str, list[str]] = {}
    document = lxml.html.fromstring(html)
    for form in document.forms:
        if urlsplit(form.get("action") or page).path != urlsplit(action).path:
            continue
        for element in form.inputs:
            name = element.get("name")
            if not name:
                continue
            if element.tag == "select":
                offered.setdefault(name, []).extend(v for v in element.value_options if v)
            elif element.tag == "textarea":
                offered.setdefault(name, []).append(element.text or "")
            elif element.get("value") is not None:
                offered.setdefault(name, []).append(element.get("value"))
    return offered


def value_strategy(unbound: UnboundField, offered: list[str]):
    """A field's value: mostly a good one (so that the form gets past its other checks), else a hostile one, left
    out, or sent twice."""
    good, hostile = good_values(unbound, offered), hostile_values(unbound)
    ways = {
        "good": good,
        "hostile": hostile,
        "missing": st.just(MISSING),
        "twice": st.lists(st.one_of(good, hostile), min_size=2, max_size=2),
    }
    return st.sampled_from(["good", "good", "good", "hostile", "hostile", "missing", "twice"]).flatmap(ways.get)


def request_for(fields: dict[str, object], extra: bool, files: bool) -> dict:
    """The test client's arguments for these field values: an urlencoded body built by hand (so raw bytes stay
    invalid UTF-8), or multipart when the form takes files."""
    pairs: list[tuple[str, object]] = []
    uploads = []
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            if one is MISSING:
                continue
            if isinstance(one, tuple):
                uploads.append((name, one))
            else:
                pairs.append((name, one))
    if extra:
        pairs.append(("unknown_field", "x"))
    pairs.append(("csrf_token", "token"))  # as from a browser: never an empty body (the tests switch CSRF off)
    if files:
        data: dict = {}
        for name, value in pairs:
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
            data.setdefault(name, []).append(text)
        for name, (content, filename, mimetype) in uploads:
            data.setdefault(name, []).append((BytesIO(content), filename, mimetype))
        return {"data": data, "content_type": "multipart/form-data"}
    return {"data": urlencode(pairs), "content_type": "application/x-www-form-urlencoded"}


# --- the world and the test --------------------------------------------------------------------------------------


def build_world(demo: Demo) -> World:
    """The demo world, with the few things it lacks: a post with a report, a proposed tandem round, a reset link."""
    first = db.session.scalars
    hamburg = first(sa.select(School).where(School.name == HAMBURG)).one()
    teacher = demo.user(TEACHER)
    project = first(sa.select(Project).where(Project.state == ProjectState.active).order_by(Project.id)).first()
    post = Post(project_id=project.id, author_id=teacher.id, body="Willkommen im Projekt!")
    db.session.add(post)
    db.session.flush()
    with demo.app.test_request_context():
        report = moderation.report("post", post.id, demo.user(PUPIL), "Test")
    school_class = first(
        sa.select(SchoolClass).join(ClassMembership).where(ClassMembership.student_id == demo.user(PUPIL).id)
    ).first()
    link = first(
        sa.select(ClassPartnership).where(
            sa.or_(
                ClassPartnership.german_class_id == school_class.id,
                ClassPartnership.russian_class_id == school_class.id,
            )
        )
    ).first()
    pairing = PairingRound(class_partnership_id=link.id)
    db.session.add(pairing)
    db.session.flush()
    pair = demo.pair_of(PUPIL)
    world = World(reset_token=issue_token(demo.user("teacher.spb@example.org"), TokenPurpose.reset_password))
    world.ids.update(
        hamburg=hamburg.id,
        teacher_membership=first(
            sa.select(StaffMembership.id).where(
                StaffMembership.user_id == teacher.id, StaffMembership.school_id == hamburg.id
            )
        ).one(),
        pending_school=first(sa.select(School.id).where(School.status == SchoolStatus.pending)).first(),
        other_school=first(
            sa.select(School.id)
            .where(School.country != hamburg.country, School.status == SchoolStatus.verified)
            .order_by(School.id.desc())
        ).first(),
        twin_link=first(sa.select(TwinCityLink.id).order_by(TwinCityLink.id)).first(),
        request=first(
            sa.select(PartnershipRequest.id).where(
                PartnershipRequest.to_school_id == hamburg.id, PartnershipRequest.state == RequestState.open
            )
        ).first(),
        partnership=first(sa.select(Partnership.id).where(Partnership.german_school_id == hamburg.id)).first(),
        school_class=school_class.id,
        student=demo.user(PUPIL).id,
        project=project.id,
        post=post.id,
        report=report.id,
        milestone=first(
            sa.select(Milestone.id).where(Milestone.project_id == project.id).order_by(Milestone.id)
        ).first(),
        submission=first(sa.select(Submission.id).order_by(Submission.id)).first(),
        completed=first(sa.select(Project.id).where(Project.state == ProjectState.completed)).first(),
        link=link.id,
        round=pairing.id,
        pair=pair.id,
    )
    missing = [name for name, value in world.ids.items() if value is None]
    assert not missing, f"the demo world has no {missing}"
    return world


def row_counts(connection) -> dict[str, int]:
    tables = db.metadata.sorted_tables
    query = sa.select(*[sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables])
    return dict(connection.execute(query).mappings().one())


def flashed_categories(app, client) -> set[str]:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return set()
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return {category for category, _message in session.get("_flashes", [])}


def fuzz_one(app, demo: Demo, world: World, connection, name: str, cls: type[FlaskForm]) -> None:
    entry = FORMS[name]
    url = entry.url(world)
    client = demo.client(entry.user)
    page_url = entry.page(world) if entry.page else url
    page = client.get(page_url)
    assert page.status_code < 500, (name, page.status_code)
    offered = page_values(page.get_data(as_text=True), page_url, url) if page.status_code == 200 else {}
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(cookie_name)
    fields = form_fields(cls)
    takes_files = any(issubclass(f.field_class, (FileField, MultipleFileField)) for f in fields.values())
    strategies = {field_name: value_strategy(f, offered.get(field_name, [])) for field_name, f in fields.items()}
    db.session.commit()  # the test session's savepoint is released; each example below gets one of its own
    before = row_counts(connection)  # the same for every example: each one is rolled back

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(values=st.fixed_dictionaries(strategies), mode=st.sampled_from(["form"] * 6 + ["extra", "json"]))
    def post(values, mode):
        savepoint = connection.begin_nested()
        limiter.reset()
        catalog_cache.clear()
        LRU.clear_all()
        try:
            other = app.test_client()
            if cookie is not None:
                other.set_cookie(cookie_name, cookie.value)
            if mode == "json":
                body = {k: v for k, v in values.items() if isinstance(v, str)}
                response = other.post(url, json=body)
                assert response.status_code == 400, (name, "JSON body", response.status_code)
            else:
                response = other.post(url, **request_for(values, mode == "extra", takes_files))
            assert response.status_code < 500, (name, url, response.status_code)
            # An anonymous visitor's redirect to the login page counts as success: it stores nothing anyway.
            if not entry.success(response) or "danger" in flashed_categories(app, other):
                after = row_counts(connection)
                changed = {table: (n, after[table]) for table, n in before.items() if after[table] != n}
                assert not changed, (name, response.status_code, "stored without success", changed)
        finally:
            savepoint.rollback()

    post()


@pytest.fixture
def demo(app):
    return Demo(app)


def test_no_form_answers_5xx_or_stores_without_success(app, demo, _transaction):
    world = build_world(demo)
    db.session.commit()
    forms = all_forms()
    failures = []
    for name in sorted(FORMS):
        try:
            fuzz_one(app, demo, world, _transaction, name, forms[name])
        except Exception as exc:  # noqa: BLE001  every form is tried; all failures are reported together
            failures.append(f"{name}: {exc!r}"[:2000])
    assert not failures, "\n\n".join(failures)
