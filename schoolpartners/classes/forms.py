"""Forms for classes, student accounts and consent."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..accounts.forms import REQUIRED
from ..domain import clean_name
from ..schools.forms import TOO_LONG, CheckboxesField
from .models import ConsentScope, Level
from .services import MAX_BATCH, NewStudent

STUDENT_LINE = re.compile(r"^(?P<name>.+?)\s*[;,\t]\s*(?P<month>\d{1,2})\s*[./-]\s*(?P<year>\d{4})$")


def current_school_year(today: date | None = None) -> str:
    """ "2026/27" from August on, "2025/26" before (both countries start in late summer or on 1 September)."""
    today = today or date.today()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


class ClassForm(FlaskForm):
    school_id = SelectField(_l("School"), validators=[InputRequired(REQUIRED)])
    name = StringField(_l("Name of the class"), validators=[DataRequired(REQUIRED), Length(max=80, message=TOO_LONG)])
    grade = IntegerField(
        _l("Grade"),
        validators=[Optional(), NumberRange(min=1, max=13, message=_l("Please enter a grade from 1 to 13."))],
    )
    school_year = StringField(
        _l("School year"),
        validators=[
            DataRequired(REQUIRED),
            Regexp(r"^\d{4}/\d{2}$", message=_l("Please write the school year like 2026/27.")),
        ],
    )
    subject = StringField(_l("Subject (optional)"), validators=[Optional(), Length(max=80, message=TOO_LONG)])
    # Optional() would strip "   " to nothing and drop the "not a valid choice" error with it.
    level = SelectField(_l("Level in the partner language (CEFR)"), validators=[Optional(strip_whitespace=False)])

    def __init__(self, schools, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_id.choices = [SelectChoice(str(s.id), s.name) for s in schools]
        self.level.choices = [SelectChoice("", "—")] + [SelectChoice(lv.value, lv.value) for lv in Level]
        if not self.school_year.data:
            self.school_year.data = current_school_year()

    def class_data(self) -> dict:
        return {
            "name": self.name.data,
            "grade": self.grade.data,
            "school_year": self.school_year.data,
            "subject": self.subject.data,
            "level": Level(self.level.data) if self.level.data else None,
        }


class StudentsForm(FlaskForm):
    students = TextAreaField(
        _l("Students, one per line: name; month.year of birth"),
        validators=[DataRequired(REQUIRED), Length(max=6000, message=TOO_LONG)],
        render_kw={"rows": 8, "placeholder": "Lena Schmidt; 4.2012\nИван Петров; 11.2011"},
    )
    batch = HiddenField()
    rows: list[NewStudent]

    def validate_students(self, field):
        rows, this_year = [], date.today().year
        lines = [line.strip() for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) > MAX_BATCH:
            raise ValidationError(_l("Add at most %(count)s students at a time.", count=MAX_BATCH))
        for number, line in enumerate(lines, start=1):
            match = STUDENT_LINE.match(line)
            if not match:
                raise ValidationError(
                    _l(
                        "Line %(number)s: write the name, a semicolon and month.year, e.g. Lena Schmidt; 4.2012.",
                        number=number,
                    )
                )
            name, month, year = clean_name(match["name"]), int(match["month"]), int(match["year"])
            if not 1 <= month <= 12 or not this_year - 25 <= year <= this_year - 4:
                raise ValidationError(_l("Line %(number)s: the month or year of birth is not possible.", number=number))
            if len(name) > 120:
                raise ValidationError(_l("Line %(number)s: the name is too long.", number=number))
            rows.append(NewStudent(name, year, month))
        self.rows = rows


class JoinForm(FlaskForm):
    code = StringField(_l("Join code"), validators=[DataRequired(REQUIRED), Length(max=20, message=TOO_LONG)])


class ConsentForm(FlaskForm):
    scopes = CheckboxesField(_l("The parents agree to"))
    note = StringField(
        _l("Note (e.g. where the signed form is kept)"), validators=[Optional(), Length(max=200, message=TOO_LONG)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [SelectChoice(s.value, s.label) for s in ConsentScope]

    def chosen(self) -> list[ConsentScope]:
        return [ConsentScope(value) for value in self.scopes.data or []]


class ChoiceForm(FlaskForm):
    """One choice from a list of (id, text): a target class, a co-teacher, a partner class."""

    choice = SelectField(validators=[InputRequired(REQUIRED)])

    def __init__(self, label, options, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.choice.label.text = label
        self.choice.choices = [SelectChoice(str(value), text) for value, text in options]
