"""Which name a viewer gets for a submitted file (Finding #6, Issue 10 item 3).

A file name is often the pupil's full name ("Lena Schmidt 9b Referat.docx"). The pupil who handed the file in
and the teachers of their own school see the name it was uploaded with; the partner school and the public
(showcase page and downloads) get a neutral, ASCII-safe name built from the project, the stage, the author's
first name and initial, and the file's number, e.g. "Hamburg-Sankt-Peterburg_Etappe-2_Lena-S_1.docx".
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..accounts.models import User
from ..projects import access as project_access
from ..projects.models import Milestone, Project
from ..search import latin
from .models import Submission, SubmissionFile, SubmissionVersion

MAX_TITLE = 40  # characters of the project title kept in a neutral name


def _slug(text: str, limit: int | None = None) -> str:
    words = [word.capitalize() for word in latin(text)]
    slug = "-".join(words)
    if limit is not None and len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug


def neutral_name(project: Project, milestone: Milestone, version: SubmissionVersion, file: SubmissionFile) -> str:
    """Project, stage (with its number in the project), first name and initial of the author, file number."""
    stages = [m.id for m in project.milestones]
    stage = stages.index(milestone.id) + 1 if milestone.id in stages else 1
    parts = [_slug(project.title("de") or project.title("ru"), MAX_TITLE) or "Project"]
    parts.append(f"{_slug(_('Stage')) or 'Stage'}-{stage}")
    if version.author is not None:
        names = latin(version.author.display_name)
        if names:
            parts.append(names[0].capitalize() + (f"-{names[-1][0].upper()}" if len(names) > 1 else ""))
    number = next((i for i, f in enumerate(version.files, 1) if f.id == file.id), 1)
    parts.append(str(number))
    return f"{'_'.join(parts)}.{file.kind}"


def sees_original_name(viewer: User, project: Project, version: SubmissionVersion) -> bool:
    """The pupil who handed the file in and the project's teachers of that pupil's school."""
    author = version.author
    if author is None or not viewer.is_authenticated:
        return False
    if viewer.id == author.id:
        return True
    return viewer.is_staff and project_access.school_of(project, viewer) == author.school_id


def file_name(
    viewer: User | None, project: Project, submission: Submission, version: SubmissionVersion, file: SubmissionFile
) -> str:
    """The one rule: the name shown and downloaded by `viewer` (None for the public showcase)."""
    if viewer is not None and sees_original_name(viewer, project, version):
        return file.original_name
    return neutral_name(project, submission.milestone, version, file)


def file_names(viewer: User | None, project: Project, submission: Submission) -> dict[int, str]:
    """The names of every file of every version of a submission, by file id, for `viewer`."""
    return {
        file.id: file_name(viewer, project, submission, version, file)
        for version in submission.versions
        for file in version.files
    }
