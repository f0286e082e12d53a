"""Forms for tandem profiles, rounds and the pair workspace."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..accounts.forms import REQUIRED
from ..classes.models import Level
from ..forms import OnceForm
from ..i18n import label
from ..schools.forms import TOO_LONG, CheckboxesField
from .choices import INTERESTS, LANGUAGES, LEARNABLE, MODES, SLOT_CODES
from .models import Surplus

MEETING_DAYS_AHEAD = 367  # the service allows a year ahead; the zones shift a day either way
MINUTES = _l("Please enter minutes from 0 to 600.")
DURATION = _l("Please enter a duration from 10 to 240 minutes.")


class ProfileForm(FlaskForm):
    speaks = CheckboxesField(_l("Languages spoken at home"), validators=[DataRequired(REQUIRED)])
    learns = RadioField(_l("Language I learn in the tandem"), validators=[InputRequired(REQUIRED)])
    level = SelectField(_l("My level in it (CEFR)"), validators=[InputRequired(REQUIRED)])
    # Optional() would strip "   " to nothing and drop the "not a valid choice" error with it.
    interests = CheckboxesField(_l("Interests"), validators=[Optional(strip_whitespace=False)])
    modes = CheckboxesField(_l("How I would like to practise"), validators=[Optional(strip_whitespace=False)])
    slots = CheckboxesField(
        _l("When I have time (my city's time)"), validators=[Optional(strip_whitespace=False)], coerce=int
    )
    adult_pool = BooleanField(_l("Offer me to other adults looking for a tandem partner"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.speaks.choices = [SelectChoice(code, label(text)) for code, text in LANGUAGES.items()]
        self.learns.choices = [SelectChoice(code, label(LANGUAGES[code])) for code in LEARNABLE]
        self.level.choices = [SelectChoice(lv.value, lv.value) for lv in Level]
        self.interests.choices = sorted(
            (SelectChoice(code, label(text)) for code, text in INTERESTS.items()), key=lambda c: c.label.casefold()
        )
        self.modes.choices = [SelectChoice(code, label(text)) for code, text in MODES.items()]
        self.slots.choices = [SelectChoice(code, str(code)) for code in SLOT_CODES]

    def fill(self, profile) -> None:
        self.speaks.data = list(profile.speaks)
        self.learns.data = profile.learns
        self.level.data = profile.level.value if profile.level else "A1"
        self.interests.data = list(profile.interests)
        self.modes.data = list(profile.modes)
        self.slots.data = list(profile.slots)
        self.adult_pool.data = profile.adult_pool

    def profile_data(self) -> dict:
        return {
            "speaks": self.speaks.data,
            "learns": self.learns.data,
            "level": self.level.data,
            "interests": self.interests.data,
            "modes": self.modes.data,
            "slots": self.slots.data,
            "adult_pool": self.adult_pool.data,
        }


class RoundForm(FlaskForm):
    surplus = RadioField(_l("Learners for whom the other class has no partner left go to"), default="waiting")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.surplus.choices = [SelectChoice(s.value, s.label) for s in Surplus]


class SwapForm(FlaskForm):
    first = SelectField(_l("First pair"), validators=[InputRequired(REQUIRED)], coerce=int)
    second = SelectField(_l("Second pair"), validators=[InputRequired(REQUIRED)], coerce=int)


class MessageForm(OnceForm):
    body = TextAreaField(
        _l("Message"), validators=[DataRequired(_l("Write a message first.")), Length(max=4000, message=TOO_LONG)]
    )


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Please enter a date."))], default=date.today)
    minutes_de = IntegerField(
        _l("Minutes in German"),
        default=0,
        validators=[InputRequired(MINUTES), NumberRange(min=0, max=600, message=MINUTES)],
    )
    minutes_ru = IntegerField(
        _l("Minutes in Russian"),
        default=0,
        validators=[InputRequired(MINUTES), NumberRange(min=0, max=600, message=MINUTES)],
    )
    topics = StringField(_l("Topics"), validators=[Optional(), Length(max=300, message=TOO_LONG)])


class WordForm(FlaskForm):
    word = StringField(_l("Word"), validators=[DataRequired(REQUIRED), Length(max=120, message=TOO_LONG)])
    translation = StringField(_l("Translation"), validators=[DataRequired(REQUIRED), Length(max=120, message=TOO_LONG)])
    example = StringField(_l("Example sentence (optional)"), validators=[Optional(), Length(max=300, message=TOO_LONG)])


class MeetingForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Please enter a date."))])
    time = TimeField(_l("Time (your time zone)"), validators=[InputRequired(_l("Please enter a time."))])
    minutes = IntegerField(
        _l("Duration in minutes"),
        default=45,
        validators=[InputRequired(DURATION), NumberRange(min=10, max=240, message=DURATION)],
    )
    place = StringField(
        _l("Where (lesson, room or the school's video tool)"),
        validators=[Optional(), Length(max=200, message=TOO_LONG)],
    )

    def validate_day(self, field):
        # Turned into UTC, a day in the year 1 or 9999 would leave the calendar; refuse far-off days here.
        if field.data is None:  # not a date (2026-02-30, 99999-01-01): the field already says so
            return
        today = date.today()
        if field.data < today - timedelta(days=1):
            raise ValidationError(_l("Choose a time in the future."))
        if field.data > today + timedelta(days=MEETING_DAYS_AHEAD):
            raise ValidationError(_l("Plan at most a year ahead."))
