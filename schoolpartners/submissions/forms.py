"""Forms for handing in work, feedback and mixed teams."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..accounts.forms import REQUIRED
from ..forms import OnceForm
from ..schools.forms import TOO_LONG, CheckboxesField
from .models import SubmissionStatus
from .services import MAX_TEXT


class SubmitForm(OnceForm):
    text = TextAreaField(
        _l("Your text (Markdown: **bold**, *italic*, lists with -)"),
        validators=[Optional(), Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"rows": 8},
    )
    files = MultipleFileField(_l("Files (PDF, ODT, DOCX, PPTX, JPG, PNG, WebP, MP3, M4A, MP4)"))


class FeedbackForm(FlaskForm):
    body = TextAreaField(_l("Feedback"), validators=[Optional(), Length(max=MAX_TEXT, message=TOO_LONG)])
    status = SelectField(_l("Status"), validators=[InputRequired(REQUIRED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(s.value, s.label) for s in SubmissionStatus]


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)])
    students = CheckboxesField(_l("Members (students of both schools)"))

    def __init__(self, students, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.students.choices = [
            SelectChoice(str(s.id), f"{s.display_name} ({s.school.name})" if s.school else s.display_name)
            for s in students
        ]
