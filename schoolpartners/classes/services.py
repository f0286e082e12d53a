"""Classes and student accounts: creating, joining, moving, archiving, consent, class partnerships.

Services never commit; the views do, once. A state change locks its row first and decides on the state re-read
under the lock (`locking.lock`), so two requests at the same moment never both take effect (issue 11).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..accounts.models import User, UserRole, fold
from ..accounts.services import hash_password, revoke_sessions
from ..cities.models import Country
from ..domain import DomainError
from ..extensions import db
from ..locking import get_locked, lock
from ..notifications.services import notify
from ..partnerships.models import Partnership, PartnershipStatus
from ..schools.models import MembershipStatus, School, StaffMembership, StaffRole
from ..search import latin
from ..signals import consent_withdrawn, student_archived
from ..sqltypes import utcnow
from .models import (
    ClassMembership,
    ClassPartnership,
    ClassPartnershipState,
    ClassTeacher,
    ConsentScope,
    ParentalConsent,
    SchoolClass,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by children
PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # noqa: S105  the characters, not a password
MAX_BATCH = 40


class ClassError(DomainError):
    pass


@dataclass(frozen=True)
class NewStudent:
    display_name: str
    birth_year: int
    birth_month: int


def new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if db.session.scalar(sa.select(SchoolClass.id).where(SchoolClass.join_code == code)) is None:
            return code


def one_time_password() -> str:
    """Ten easy-to-read characters in two groups, e.g. "k7mq2-x9tar"."""
    chars = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


# --- who may do what -----------------------------------------------------------------------------------


def staff_role(user: User, school_id: int) -> StaffRole | None:
    """The user's confirmed role at a school, if any."""
    if not user.is_authenticated or not user.is_staff:
        return None
    for membership in user.memberships:
        if membership.school_id == school_id and membership.status is MembershipStatus.active:
            return membership.role
    return None


def can_manage_class(school_class: SchoolClass, user: User) -> bool:
    """Its teachers, and the school coordinators of its school (who take over when a teacher leaves)."""
    if not user.is_authenticated or not user.is_staff:
        return False
    role = staff_role(user, school_class.school_id)
    return role is StaffRole.school_coordinator or (role is not None and school_class.has_teacher(user))


def can_view_class(school_class: SchoolClass, user: User) -> bool:
    if user.is_authenticated and user.is_student:
        return user.archived_at is None and school_class.has_student(user)
    return can_manage_class(school_class, user)


def teachable_schools(user: User) -> list[School]:
    """The verified schools where the user may create classes (confirmed staff)."""
    return [m.school for m in user.memberships if m.status is MembershipStatus.active and m.school.is_verified]


# --- classes -------------------------------------------------------------------------------------------


def create_class(user: User, school: School, data: dict) -> SchoolClass:
    if school not in teachable_schools(user):
        raise ClassError(_l("You can only create classes for a verified school you work for."), field="school_id")
    school_class = SchoolClass(school_id=school.id, join_code=new_join_code())
    apply_class_data(school_class, data)
    school_class.teacher_links.append(ClassTeacher(user_id=user.id))
    db.session.add(school_class)
    db.session.flush()
    return school_class


def apply_class_data(school_class: SchoolClass, data: dict) -> None:
    school_class.name = data["name"].strip()
    school_class.grade = data.get("grade")
    school_class.school_year = data["school_year"].strip()
    school_class.subject = (data.get("subject") or "").strip()
    school_class.level = data.get("level")


def renew_join_code(school_class: SchoolClass) -> None:
    school_class.join_code = new_join_code()


def add_teacher(school_class: SchoolClass, teacher: User) -> None:
    if staff_role(teacher, school_class.school_id) is None:
        raise ClassError(_l("Only confirmed staff of this school can teach the class."), field="user_id")
    if school_class.has_teacher(teacher):
        raise ClassError(_l("%(name)s already teaches this class.", name=teacher.display_name), field="user_id")
    school_class.teacher_links.append(ClassTeacher(user_id=teacher.id, user=teacher))
    notify(teacher, "class_teacher_added", link=f"/classes/{school_class.id}", name=school_class.name)


def remove_teacher(school_class: SchoolClass, teacher: User) -> None:
    link = next((t for t in school_class.teacher_links if t.user_id == teacher.id), None)
    if link is None:
        raise ClassError(_l("This person does not teach the class."))
    if len(school_class.teacher_links) == 1:
        raise ClassError(_l("A class keeps at least one teacher. Add another teacher first."))
    school_class.teacher_links.remove(link)


# --- student accounts ----------------------------------------------------------------------------------


def new_username(display_name: str, taken: set[str]) -> str:
    """ "lena.schmidt", or "lena.schmidt2" if that is taken; Cyrillic names are transliterated."""
    base = ".".join(latin(display_name))[:28].strip(".") or "student"
    candidate, number = base, 1
    while fold(candidate) in taken or _username_exists(candidate):
        number += 1
        candidate = f"{base}{number}"
    taken.add(fold(candidate))
    return candidate


def _username_exists(username: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.username_key == fold(username))) is not None


def add_students(school_class: SchoolClass, rows: list[NewStudent]) -> list[tuple[User, str]]:
    """New student accounts in the class, each with a username and a one-time password (returned once)."""
    if not rows:
        raise ClassError(_l("Enter at least one student."), field="students")
    if len(rows) > MAX_BATCH:
        raise ClassError(_l("Add at most %(count)s students at a time.", count=MAX_BATCH), field="students")
    if school_class.archived_at is not None:
        raise ClassError(_l("This class is archived."))
    created, taken = [], set()
    locale = "ru" if school_class.school.country is Country.RU else "de"
    timezone = school_class.school.city.zone
    for row in rows:
        password = one_time_password()
        student = User(
            role=UserRole.student,
            display_name=row.display_name,
            password_hash=hash_password(password),
            locale=locale,
            timezone=timezone,
            school_id=school_class.school_id,
            birth_year=row.birth_year,
            birth_month=row.birth_month,
            must_change_password=True,
        )
        student.set_username(new_username(row.display_name, taken))
        db.session.add(student)
        school_class.memberships.append(ClassMembership(student=student))
        created.append((student, password))
    db.session.flush()
    return created


def reset_student_password(student: User) -> str:
    password = one_time_password()
    student.password_hash = hash_password(password)
    student.must_change_password = True
    revoke_sessions(student)
    return password


def is_member(school_class: SchoolClass, student: User) -> bool:
    """Whether the student is in the class, asked of the database (not of a membership list loaded earlier)."""
    return (
        db.session.scalar(
            sa.select(ClassMembership.id).where(
                ClassMembership.class_id == school_class.id, ClassMembership.student_id == student.id
            )
        )
        is not None
    )


def join_class(student: User, code: str) -> SchoolClass:
    """Join a class of one's own school by its code; the class is locked, so two sessions joining at once give one
    membership and "already in this class" for the other."""
    code = code.strip().upper().replace(" ", "")
    school_class = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.join_code == code))
    if school_class is not None:
        lock(school_class)  # re-read: the code may have been renewed, the class archived meanwhile
    if (
        school_class is None
        or school_class.join_code != code
        or school_class.school_id != student.school_id
        or school_class.archived_at
    ):
        raise ClassError(_l("This join code is not valid. Please check it with your teacher."), field="code")
    if is_member(school_class, student):
        raise ClassError(_l("You are already in this class."), field="code")
    db.session.add(ClassMembership(class_id=school_class.id, student_id=student.id))
    return school_class


def move_student(student: User, source: SchoolClass, target: SchoolClass) -> None:
    """Move the student to another current class of the school, with both classes locked (as for joining)."""
    for school_class in sorted({source, target}, key=lambda c: c.id):  # always in the same order: no deadlock
        get_locked(SchoolClass, school_class.id)  # not lock(): the page loaded the class with outer joins
    if target.school_id != source.school_id or target.archived_at is not None or target.id == source.id:
        raise ClassError(_l("Choose another current class of the same school."), field="target")
    if is_member(target, student):
        raise ClassError(_l("%(name)s is already in that class.", name=student.display_name), field="target")
    membership = db.session.scalar(
        sa.select(ClassMembership).where(
            ClassMembership.class_id == source.id, ClassMembership.student_id == student.id
        )
    )
    if membership is None:  # moved by someone else a moment before
        raise ClassError(_l("%(name)s is no longer in this class.", name=student.display_name))
    db.session.delete(membership)
    db.session.add(ClassMembership(class_id=target.id, student_id=student.id))


def archive_student(student: User) -> None:
    """The student left: no more logins; the data is deleted after the retention period."""
    lock(student)
    if student.archived_at is not None:
        raise ClassError(_l("This account is already archived."))
    student.archived_at = utcnow()
    student.is_active = False
    revoke_sessions(student)
    student_archived.send(student)


def restore_student(student: User) -> None:
    lock(student)
    if student.archived_at is None:
        raise ClassError(_l("This account is not archived."))
    student.archived_at = None
    student.is_active = True


# --- parental consent ----------------------------------------------------------------------------------


def consent_age(country: Country) -> int:
    return current_app.config["CONSENT_AGE"][country.value]


def active_consents(student: User) -> dict[ConsentScope, ParentalConsent]:
    return consents_of([student.id])[student.id]


def consents_of(student_ids: list[int]) -> dict[int, dict[ConsentScope, ParentalConsent]]:
    """The active consents of several students at once, by student and scope."""
    found: dict[int, dict[ConsentScope, ParentalConsent]] = {i: {} for i in student_ids}
    if student_ids:
        for consent in db.session.scalars(
            sa.select(ParentalConsent).where(
                ParentalConsent.student_id.in_(student_ids), ParentalConsent.withdrawn_at.is_(None)
            )
        ):
            found[consent.student_id][consent.scope] = consent
    return found


def needs_consent(student: User, today: date | None = None) -> bool:
    """Below the consent age of the school's country (or age unknown): parents must agree first."""
    age = student.age(today or date.today())
    country = student.school.country if student.school else Country.DE
    return age is None or age < consent_age(country)


def may(student: User, scope: ConsentScope, today: date | None = None) -> bool:
    """Whether the student may do what the scope covers: old enough, or consent recorded."""
    return not needs_consent(student, today) or scope in active_consents(student)


def _lacking_rows(student_ids: Iterable[int] | sa.Select, scope: ConsentScope, today: date | None) -> list[sa.Row]:
    """(id, school_id) of the students among `student_ids` (ids, or a statement selecting them) who need the
    scope's consent and lack it: `may` for a whole population, in one statement, with the age rule of
    `needs_consent` written as months (born after the month the consent age was reached, or birth unknown)."""
    today = today or date.today()
    months = today.year * 12 + today.month
    ages = current_app.config["CONSENT_AGE"]
    reached = sa.case(
        (School.country == Country.RU, months - ages[Country.RU.value] * 12),
        else_=months - ages[Country.DE.value] * 12,
    )
    young = sa.or_(
        User.birth_year.is_(None), User.birth_month.is_(None), User.birth_year * 12 + User.birth_month > reached
    )
    consented = (
        sa.select(ParentalConsent.id)
        .where(
            ParentalConsent.student_id == User.id,
            ParentalConsent.scope == scope,
            ParentalConsent.withdrawn_at.is_(None),
        )
        .exists()
    )
    ids = student_ids if isinstance(student_ids, sa.Select) else list(student_ids)
    return db.session.execute(
        sa.select(User.id, User.school_id)
        .outerjoin(School, School.id == User.school_id)
        .where(User.id.in_(ids), User.role == UserRole.student, young, ~consented)
    ).all()


def lacking_consent(students: Iterable[User], scope: ConsentScope, today: date | None = None) -> set[int]:
    """Ids of the students who need the scope's consent and lack it: `may` for a whole list, in one statement."""
    ids = [s.id for s in students if s is not None]
    return {row.id for row in _lacking_rows(ids, scope, today)} if ids else set()


def own_school_ids(viewer: User) -> set[int]:
    """The schools where the viewer is confirmed staff (none for pupils and visitors)."""
    if not viewer.is_authenticated or not viewer.is_staff:
        return set()
    return {m.school_id for m in viewer.memberships if m.status is MembershipStatus.active}


def consent_marks(
    viewer: User, students: Iterable[User], scope: ConsentScope, today: date | None = None
) -> tuple[set[int], set[int]]:
    """(hidden, marked) ids among the students lacking the scope's consent: hidden from everyone but the staff of
    their own school, who see them marked "consent missing" (Finding #1, Finding #8: minors are exposed only
    with their parents' consent)."""
    ids = [s.id for s in students if s is not None]
    return consent_marks_among(viewer, ids, scope, today) if ids else (set(), set())


def consent_marks_among(
    viewer: User, student_ids: Iterable[int] | sa.Select, scope: ConsentScope, today: date | None = None
) -> tuple[set[int], set[int]]:
    """consent_marks for students given by id, or by a statement selecting their ids (no user rows loaded)."""
    rows = _lacking_rows(student_ids, scope, today)
    if not rows:
        return set(), set()
    own = own_school_ids(viewer)
    hidden = {row.id for row in rows if row.school_id not in own}
    return hidden, {row.id for row in rows} - hidden


def hidden_from(viewer: User, students: Iterable[User], scope: ConsentScope, today: date | None = None) -> set[int]:
    """Ids of the students lacking the scope's consent whom `viewer` must not see (see consent_marks)."""
    return consent_marks(viewer, students, scope, today)[0]


def record_consent(student: User, by: User, scopes: list[ConsentScope], note: str) -> None:
    if not scopes:
        raise ClassError(_l("Choose at least one scope."), field="scopes")
    have = active_consents(student)
    for scope in scopes:
        if scope not in have:
            db.session.add(ParentalConsent(student_id=student.id, scope=scope, note=note.strip(), recorded_by_id=by.id))


def withdraw_consent(consent: ParentalConsent, by: User) -> None:
    if consent.withdrawn_at is not None:
        raise ClassError(_l("This consent was already withdrawn."))
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = by.id
    db.session.flush()
    student = db.session.get(User, consent.student_id)
    if student is not None and not may(student, consent.scope):
        # Tandem pauses the pairs, projects take the student out of mixed teams (Finding #1, Issue 10 item 2).
        consent_withdrawn.send(student, scope=consent.scope, by=by)


# --- class partnerships --------------------------------------------------------------------------------


def partnership_of(a: SchoolClass, b: SchoolClass) -> Partnership | None:
    """The active school partnership between the two classes' schools."""
    return db.session.scalar(
        sa.select(Partnership).where(
            Partnership.status == PartnershipStatus.active,
            sa.or_(
                sa.and_(Partnership.german_school_id == a.school_id, Partnership.russian_school_id == b.school_id),
                sa.and_(Partnership.german_school_id == b.school_id, Partnership.russian_school_id == a.school_id),
            ),
        )
    )


def propose_class_partnership(own: SchoolClass, other: SchoolClass, by: User) -> ClassPartnership:
    """Propose a class partnership; the school partnership is locked, so two proposals for the same two classes at
    once give one proposal and "already partners or have an open proposal" for the other."""
    partnership = partnership_of(own, other)
    if partnership is not None:
        lock(partnership)  # re-read: it may have ended meanwhile
    if (
        partnership is None
        or partnership.status is not PartnershipStatus.active
        or own.archived_at
        or other.archived_at
    ):
        raise ClassError(_l("Choose a current class of a partner school."), field="class_id")
    german, russian = (own, other) if own.school_id == partnership.german_school_id else (other, own)
    exists = db.session.scalar(
        sa.select(ClassPartnership).where(
            ClassPartnership.german_class_id == german.id,
            ClassPartnership.russian_class_id == russian.id,
            ClassPartnership.state != ClassPartnershipState.ended,
        )
    )
    if exists is not None:
        raise ClassError(_l("These two classes are already partners or have an open proposal."), field="class_id")
    db.session.execute(
        sa.delete(ClassPartnership).where(
            ClassPartnership.german_class_id == german.id,
            ClassPartnership.russian_class_id == russian.id,
            ClassPartnership.state == ClassPartnershipState.ended,
        )
    )
    link = ClassPartnership(
        partnership_id=partnership.id,
        german_class_id=german.id,
        russian_class_id=russian.id,
        proposed_from_id=own.id,
        proposed_by_id=by.id,
    )
    db.session.add(link)
    db.session.flush()
    for teacher in current_teachers_of(other):
        notify(
            teacher,
            "class_partnership_proposed",
            link=f"/classes/{other.id}",
            name=own.name,
            school=own.school.name,
            own=other.name,
        )
    return link


def current_teachers_of(school_class: SchoolClass) -> list[User]:
    """The class's teachers still on its school's active staff, by name: a teacher removed from the staff hears
    nothing more about the class (finding #17)."""
    active = set(
        db.session.scalars(
            sa.select(StaffMembership.user_id).where(
                StaffMembership.school_id == school_class.school_id,
                StaffMembership.status == MembershipStatus.active,
                StaffMembership.user_id.in_([link.user_id for link in school_class.teacher_links]),
            )
        )
    )
    return [teacher for teacher in school_class.teachers if teacher.id in active]


def confirm_class_partnership(link: ClassPartnership, by: User, own: SchoolClass) -> None:
    lock(link)
    if link.state is ClassPartnershipState.ended:
        raise ClassError(_l("This class partnership has already ended."))
    if link.state is ClassPartnershipState.active:
        raise ClassError(_l("This class partnership is already confirmed."))
    if own.id == link.proposed_from_id:
        raise ClassError(_l("Only a teacher of the other class can confirm this proposal."))
    link.state = ClassPartnershipState.active
    link.confirmed_by_id, link.confirmed_at = by.id, utcnow()
    other = link.other(own)
    for teacher in current_teachers_of(other):
        notify(teacher, "class_partnership_confirmed", link=f"/classes/{other.id}", name=own.name, own=other.name)


def end_class_partnership(link: ClassPartnership, by: User, own: SchoolClass) -> None:
    lock(link)
    if link.state is ClassPartnershipState.ended:
        raise ClassError(_l("This class partnership has already ended."))
    link.state = ClassPartnershipState.ended
    link.ended_at = utcnow()
    other = link.other(own)
    for teacher in current_teachers_of(other):
        notify(teacher, "class_partnership_ended", link=f"/classes/{other.id}", name=own.name, own=other.name)
