"""Forms for projects and milestones: German and Russian side by side."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..accounts.forms import REQUIRED
from ..forms import OnceForm
from ..schools.forms import TOO_LONG, CheckboxesField
from .models import MilestoneMode
from .workspace import MAX_COMMENT, MAX_POST

DATE_INVALID = _l("Please enter a valid date.")
WORKING_LANGUAGES = [("de", _l("German")), ("ru", _l("Russian")), ("en", _l("English"))]


def _text(label, limit=8000):
    return TextAreaField(label, validators=[Optional(), Length(max=limit, message=TOO_LONG)])


class ProjectForm(FlaskForm):
    title_de = StringField(_l("Title in German"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    title_ru = StringField(_l("Title in Russian"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    description_de = _text(_l("Description in German"))
    description_ru = _text(_l("Description in Russian"))
    goals_de = _text(_l("Goals in German"))
    goals_ru = _text(_l("Goals in Russian"))
    benefit_german = _text(_l("What the German school gains"), 4000)
    benefit_russian = _text(_l("What the Russian school gains"), 4000)
    start_date = DateField(_l("Start"), validators=[InputRequired(DATE_INVALID)])
    end_date = DateField(_l("End"), validators=[InputRequired(DATE_INVALID)])
    working_languages = CheckboxesField(_l("Working languages"))
    classes = CheckboxesField(_l("Participating classes of your school"))
    note = StringField(
        _l("Note on the change (for the other school)"), validators=[Optional(), Length(max=500, message=TOO_LONG)]
    )

    def __init__(self, classes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.working_languages.choices = [SelectChoice(k, label) for k, label in WORKING_LANGUAGES]
        self.classes.choices = [SelectChoice(str(c.id), c.name) for c in classes]

    def project_data(self) -> dict:
        data = {name: self[name].data for name in ("title_de", "title_ru", "description_de", "description_ru")}
        data.update({name: self[name].data for name in ("goals_de", "goals_ru", "benefit_german", "benefit_russian")})
        data.update(
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            working_languages=self.working_languages.data or ["de", "ru"],
            classes=[int(i) for i in self.classes.data or []],
            note=self.note.data or "",
        )
        return data


class MilestoneForm(FlaskForm):
    title_de = StringField(_l("Title in German"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    title_ru = StringField(_l("Title in Russian"), validators=[Optional(), Length(max=200, message=TOO_LONG)])
    task_de = _text(_l("Task in German"))
    task_ru = _text(_l("Task in Russian"))
    day = DateField(_l("Deadline (day)"), validators=[InputRequired(DATE_INVALID)])
    hour = TimeField(_l("Deadline (time)"), validators=[InputRequired(_l("Please enter a valid time."))])
    mode = SelectField(_l("Form of work"), validators=[InputRequired(REQUIRED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = [SelectChoice(m.value, m.label) for m in MilestoneMode]

    def milestone_data(self) -> dict:
        """The deadline entered in the viewer's time zone, as one instant (UTC)."""
        zone = ZoneInfo(str(get_timezone()))
        local = datetime.combine(self.day.data, self.hour.data, tzinfo=zone)
        return {
            "title_de": self.title_de.data,
            "title_ru": self.title_ru.data,
            "task_de": self.task_de.data,
            "task_ru": self.task_ru.data,
            "deadline": local,
            "mode": MilestoneMode(self.mode.data),
        }


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the other school reads it)"),
        validators=[DataRequired(REQUIRED), Length(max=2000, message=TOO_LONG)],
    )


class PostForm(OnceForm):
    body = TextAreaField(
        _l("Your text (Markdown: **bold**, *italic*, lists with -)"),
        validators=[DataRequired(REQUIRED), Length(max=MAX_POST, message=TOO_LONG)],
        render_kw={"rows": 5, "maxlength": MAX_POST},
    )
    announcement = BooleanField(_l("Announcement: pin it on top and tell every member"))


class CommentForm(OnceForm):
    body = TextAreaField(
        _l("Your comment"), validators=[DataRequired(REQUIRED), Length(max=MAX_COMMENT, message=TOO_LONG)]
    )
