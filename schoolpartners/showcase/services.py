"""Publishing completed projects, choosing works, recognitions, certificates. Services never commit.

Publication is on equal footing: a contact teacher writes the bilingual summary and chooses works; the
project is published when the contact teachers of both schools have agreed to the same version (a change
to the summary or the works asks the other side again). Students appear as first name and initial, and
only with consent to publication (or when they are at least the consent age); works of others cannot be
chosen at all. Every change starts with `_locked`: the project's row lock serialises the two contact teachers,
so the second of two agreements sees the first and publishes.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..certificates import CertificateData, CertificateSchool
from ..classes.models import ClassMembership, ClassTeacher, ConsentScope
from ..classes.services import consents_of, hidden_from, needs_consent
from ..domain import DomainError
from ..extensions import db
from ..notifications.services import notify
from ..projects import access as project_access
from ..projects import services as projects
from ..projects.models import Project, ProjectClass, ProjectSide, ProjectState
from ..sqltypes import utcnow
from ..submissions.models import Submission
from .models import Recognition, RecognitionKind, ShowcaseEntry


class ShowcaseError(DomainError):
    pass


def public_name(student: User) -> str:
    """ "Lena S." — first name and initial of the last name, nothing more."""
    parts = student.display_name.split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0]} {parts[-1][0]}."


def authors_of(submission: Submission) -> list[User]:
    """The student, or every member of the team, from the submission's relationships (load them eagerly for a
    list: `submission.student`, `submission.team.members.student`)."""
    if submission.team_id is None:
        return [submission.student] if submission.student else []
    return [member.student for member in submission.team.members] if submission.team else []


def contributors(submission: Submission) -> list[User]:
    """The authors and everyone who handed in a version (a student who has left the team wrote some of it)."""
    people = {user.id: user for user in authors_of(submission)}
    for version in submission.versions:
        if version.author is not None:
            people.setdefault(version.author_id, version.author)
    return list(people.values())


PUBLIC_SCOPES = (ConsentScope.showcase, ConsentScope.participation)


def publishable(submissions: list[Submission]) -> dict[int, list[User]]:
    """The submissions whose every contributor has agreed to publication and to taking part (or is old enough to
    decide alone), by id, each with its authors: the public sees no work of a student whose parents withdrew either
    consent (Finding #8). One query for the consents of all; the rest comes from the loaded relationships."""
    people = {submission.id: contributors(submission) for submission in submissions}
    young = {user.id: user for users in people.values() for user in users if user.is_student and needs_consent(user)}
    found = consents_of(list(young))
    lacking = {i for i in young if any(scope not in found[i] for scope in PUBLIC_SCOPES)}
    return {
        submission.id: authors_of(submission)
        for submission in submissions
        if people[submission.id] and not any(user.id in lacking for user in people[submission.id])
    }


def may_publish(submission: Submission) -> bool:
    """One submission may be published (see publishable)."""
    return submission.id in publishable([submission])


def entry_of(project: Project) -> ShowcaseEntry | None:
    return db.session.scalar(sa.select(ShowcaseEntry).where(ShowcaseEntry.project_id == project.id))


def _locked(project: Project) -> ShowcaseEntry | None:
    """Lock the project, re-read it and its sides, and return its entry as it is now (re-read as well)."""
    projects.lock_project(project)
    return db.session.scalar(
        sa.select(ShowcaseEntry)
        .where(ShowcaseEntry.project_id == project.id)
        .execution_options(populate_existing=True)
    )


def save_entry(project: Project, user: User, summary_de: str, summary_ru: str, work_ids: list[int]) -> ShowcaseEntry:
    """Write or change the summary and the chosen works; this side agrees, the other is asked (again)."""
    entry = _locked(project)
    if project.state is not ProjectState.completed:
        raise ShowcaseError(_l("Only a completed project can be published."))
    side = project_access.require_contact(project, user)
    if not summary_de.strip() and not summary_ru.strip():
        raise ShowcaseError(_l("Write a summary in German or Russian."), field="summary_de")
    works = db.session.scalars(
        sa.select(Submission).where(Submission.project_id == project.id, Submission.id.in_(work_ids))
    ).all()
    if len(works) != len(set(work_ids)) or len(publishable(works)) != len(works):
        raise ShowcaseError(_l("Choose works whose authors agreed to publication."), field="works")
    entry = entry or ShowcaseEntry(project_id=project.id)
    entry.summary_de, entry.summary_ru, entry.updated_at = summary_de.strip(), summary_ru.strip(), utcnow()
    db.session.add(entry)
    db.session.execute(
        sa.update(Submission)
        .where(Submission.project_id == project.id)
        .values(showcased=Submission.id.in_(work_ids) if work_ids else False)
    )
    other = projects.other_side(project, side)
    side.wants_publication, other.wants_publication = True, False
    entry.published_at = None
    projects.notify_side(project, other, "showcase_proposed", school=side.school.name)
    return entry


def agree(project: Project, user: User) -> ShowcaseEntry:
    """The user's school agrees to the summary and works; the second school's agreement publishes them."""
    entry = _locked(project)
    if entry is None:
        raise ShowcaseError(_l("There is no summary to agree to yet."))
    side = project_access.require_contact(project, user)
    if side.wants_publication:
        raise ShowcaseError(_l("Your school has already agreed to the publication."))
    side.wants_publication = True
    if all(s.wants_publication for s in project.sides):
        entry.published_at = entry.published_at or utcnow()
        projects.notify_side(project, projects.other_side(project, side), "showcase_published", school=side.school.name)
    return entry


def withdraw(project: Project, user: User) -> None:
    """Either side may take the project off the showcase again."""
    entry = _locked(project)
    side = project_access.require_contact(project, user)
    if entry is None:
        raise ShowcaseError(_l("There is no summary to agree to yet."))
    side.wants_publication = False
    entry.published_at = None


def award(project: Project, coordinator: User, kind: RecognitionKind, note: str) -> Recognition:
    """The foundation recognises a published project; its contact persons are told."""
    entry = _locked(project)
    if entry is None or entry.published_at is None:
        raise ShowcaseError(_l("Only published projects receive recognitions."))
    if len(note) > 300:
        raise ShowcaseError(_l("The note is too long."), field="note")
    recognition = Recognition(project_id=project.id, kind=kind, note=note.strip(), awarded_by_id=coordinator.id)
    db.session.add(recognition)
    for side in project.sides:  # the contact persons still on their school's staff (finding #17)
        for person in projects.side_recipients(side):
            notify(
                person,
                "recognition_awarded",
                link=f"/showcase/{project.id}",
                title=project.title(person.locale),
            )
    return recognition


def published_of(school_id: int) -> list[tuple[Project, list[Recognition]]]:
    """The school's projects in the showcase, newest first, with their recognitions (two queries)."""
    found = db.session.scalars(
        sa.select(Project)
        .join(ShowcaseEntry, ShowcaseEntry.project_id == Project.id)
        .join(ProjectSide, ProjectSide.project_id == Project.id)
        .where(ProjectSide.school_id == school_id, ShowcaseEntry.published_at.is_not(None))
        .order_by(ShowcaseEntry.published_at.desc())
    ).all()
    awards: dict[int, list[Recognition]] = {p.id: [] for p in found}
    if found:
        for recognition in db.session.scalars(sa.select(Recognition).where(Recognition.project_id.in_(list(awards)))):
            awards[recognition.project_id].append(recognition)
    return [(p, awards[p.id]) for p in found]


# --- certificates --------------------------------------------------------------------------------------


def participants(project: Project, viewer: User | None = None) -> tuple[list[User], list[User]]:
    """(students, teachers) of a project: its classes' students and teachers, and both contact persons; with a
    `viewer`, without the students lacking consent to taking part, except for their own school's staff
    (Finding #8)."""
    class_ids = sa.select(ProjectClass.class_id).where(ProjectClass.project_id == project.id)
    students = (
        db.session.scalars(
            sa.select(User)
            .join(ClassMembership, ClassMembership.student_id == User.id)
            .where(ClassMembership.class_id.in_(class_ids))
            .order_by(User.display_name)
        )
        .unique()
        .all()
    )
    contact_ids = {s.contact_id for s in project.sides if s.contact_id}
    teacher_ids = set(db.session.scalars(sa.select(ClassTeacher.user_id).where(ClassTeacher.class_id.in_(class_ids))))
    teachers = db.session.scalars(
        sa.select(User).where(User.id.in_(contact_ids | teacher_ids)).order_by(User.display_name)
    ).all()
    if viewer is not None:
        hidden = hidden_from(viewer, students, ConsentScope.participation)
        students = [s for s in students if s.id not in hidden]
    return list(students), list(teachers)


def certificate_for(
    project: Project, person: User, today: date | None = None, viewer: User | None = None
) -> CertificateData:
    """The certificate's data; for a `viewer` other than the person, only of participants the viewer may see."""
    if project.state is not ProjectState.completed:
        raise ShowcaseError(_l("Certificates are issued for completed projects."))
    students, teachers = participants(project, viewer)
    if person in teachers:
        role = "teacher"
    elif person in students:
        role = "student"
    else:
        raise ShowcaseError(_l("This person did not take part in the project."))
    german, russian = sorted(project.sides, key=lambda s: s.school.country.value)  # DE before RU
    return CertificateData(
        recipient=person.display_name,
        role=role,
        project_title_de=project.title_de or project.title_ru,
        project_title_ru=project.title_ru or project.title_de,
        german_school=CertificateSchool(german.school.name, german.school.city.name_de, german.school.city.name_ru),
        russian_school=CertificateSchool(russian.school.name, russian.school.city.name_de, russian.school.city.name_ru),
        start=project.start_date,
        end=max(project.end_date, project.start_date),
        german_contact=german.contact.display_name if german.contact else "—",
        russian_contact=russian.contact.display_name if russian.contact else "—",
        issued_on=today or date.today(),
        number=f"SP-{project.id:05d}-{person.id:06d}",
    )
