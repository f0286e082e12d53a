"""Forms for the showcase and recognitions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..accounts.forms import REQUIRED
from ..schools.forms import TOO_LONG, CheckboxesField
from .models import RecognitionKind


class ShowcaseForm(FlaskForm):
    summary_de = TextAreaField(_l("Summary in German"), validators=[Optional(), Length(max=6000, message=TOO_LONG)])
    summary_ru = TextAreaField(_l("Summary in Russian"), validators=[Optional(), Length(max=6000, message=TOO_LONG)])
    works = CheckboxesField(_l("Works to show"))

    def __init__(self, works, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.works.choices = [SelectChoice(str(i), str(i)) for i, _work in works]


class AwardForm(FlaskForm):
    kind = SelectField(_l("Recognition"), validators=[InputRequired(REQUIRED)])
    note = StringField(
        _l("Note (optional, shown publicly)"), validators=[Optional(), Length(max=300, message=TOO_LONG)]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.value, k.label) for k in RecognitionKind]
