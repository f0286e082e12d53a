"""School profile, verification and staff forms."""

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.forms import REQUIRED
from ..cities.models import City, Country
from ..domain import clean_name
from ..extensions import db
from .models import SchoolStatus, SchoolType, StaffRole, Visibility
from .options import FORMS, LANGUAGES, TOPICS
from .services import PROFILE_FIELDS

TOO_LONG = _l("This text is too long.")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def city_choices() -> list[SelectChoice]:
    """Cities grouped by country, named in the viewer's language."""
    locale = str(get_locale())
    cities = db.session.scalars(sa.select(City)).all()
    cities.sort(key=lambda c: (c.country.value, c.name(locale).casefold()))
    return [SelectChoice(str(c.id), c.name(locale), optgroup=c.country.label) for c in cities]


class SchoolForm(FlaskForm):
    name = StringField(
        _l("Official name (in the school's own script)"),
        validators=[DataRequired(REQUIRED), Length(max=200, message=TOO_LONG)],
        filters=[clean_name],
    )
    name_alt = StringField(
        _l("Name in Latin or Cyrillic letters (optional)"),
        validators=[Optional(), Length(max=200, message=TOO_LONG)],
        filters=[clean_name],
    )
    school_type = SelectField(_l("School type"), validators=[InputRequired(REQUIRED)])
    city_id = SelectField(_l("City"), validators=[InputRequired(REQUIRED)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300, message=TOO_LONG)])
    website = URLField(
        _l("Website"),
        validators=[Optional(), Length(max=300, message=TOO_LONG), URL(message=_l("Please enter a full web address."))],
    )
    languages = CheckboxesField(_l("Languages taught"))
    age_min = IntegerField(
        _l("Youngest pupils (age)"),
        validators=[InputRequired(REQUIRED), NumberRange(5, 21, _l("Please enter an age from 5 to 21."))],
    )
    age_max = IntegerField(
        _l("Oldest pupils (age)"),
        validators=[InputRequired(REQUIRED), NumberRange(5, 21, _l("Please enter an age from 5 to 21."))],
    )
    learners = IntegerField(
        _l("Number of pupils learning the partner language"),
        validators=[Optional(), NumberRange(0, 10000, _l("Please enter a number from 0 to 10,000."))],
    )
    topics = CheckboxesField(_l("Topics of interest"))
    offer_de = TextAreaField(_l("What we offer and hope for (German)"), validators=[Length(max=4000, message=TOO_LONG)])
    offer_ru = TextAreaField(
        _l("What we offer and hope for (Russian)"), validators=[Length(max=4000, message=TOO_LONG)]
    )
    looking_for_partners = BooleanField(_l("We are looking for a partner school"), default=True)
    forms = CheckboxesField(_l("Preferred forms of cooperation"))
    visibility = RadioField(_l("Visibility"), validators=[InputRequired(REQUIRED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built per request, so labels follow the viewer's language.
        self.school_type.choices = [SelectChoice("", "—")] + [
            SelectChoice(t.value, t.label, optgroup=t.country.label) for t in SchoolType
        ]
        self.city_id.choices = [SelectChoice("", "—"), *city_choices()]
        self.languages.choices = [SelectChoice(k, label) for k, label in LANGUAGES.choices()]
        self.topics.choices = [SelectChoice(k, label) for k, label in TOPICS.choices()]
        self.forms.choices = [SelectChoice(k, label) for k, label in FORMS.choices()]
        self.visibility.choices = [SelectChoice(v.value, v.label) for v in Visibility]
        if not self.visibility.data:
            self.visibility.data = Visibility.public.value

    def validate_age_max(self, field):
        if self.age_min.data is not None and field.data is not None and field.data < self.age_min.data:
            raise ValidationError(_l("The oldest age cannot be below the youngest."))

    def profile_data(self) -> dict:
        """The validated data in the shape schools.services.apply_profile takes."""
        return {
            "name": self.name.data,
            "name_alt": self.name_alt.data or None,
            "school_type": SchoolType(self.school_type.data),
            "city_id": self.city_id.data,
            "address": self.address.data or "",
            "website": self.website.data or "",
            "languages": self.languages.data,
            "age_min": self.age_min.data,
            "age_max": self.age_max.data,
            "learners": self.learners.data,
            "topics": self.topics.data,
            "offer_de": self.offer_de.data or "",
            "offer_ru": self.offer_ru.data or "",
            "looking_for_partners": self.looking_for_partners.data,
            "forms": self.forms.data,
            "visibility": Visibility(self.visibility.data),
        }

    def load(self, school) -> None:
        """Fill the form from a school (for editing)."""
        for name in PROFILE_FIELDS:
            if name not in ("school_type", "visibility"):  # enums, set below
                getattr(self, name).data = getattr(school, name)
        self.school_type.data = school.school_type.value if school.school_type else ""
        self.city_id.data = str(school.city_id)
        self.languages.data = LANGUAGES.selected(school.languages_mask)
        self.topics.data = TOPICS.selected(school.topics_mask)
        self.forms.data = FORMS.selected(school.forms_mask)
        self.visibility.data = school.visibility.value


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice(SchoolStatus.verified.value), SelectChoice(SchoolStatus.rejected.value)],
    )
    reason = TextAreaField(_l("Reason (sent to the school)"), validators=[Length(max=2000, message=TOO_LONG)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r.value, r.label) for r in StaffRole]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=TOO_LONG),
            Email(_l("Please enter a valid email address.")),
        ],
    )
    role = SelectField(_l("Role"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r.value, r.label) for r in (StaffRole.teacher, StaffRole.school_coordinator)]


class DirectoryFilters:
    """The directory's query arguments, checked; unknown values are ignored and reported."""

    def __init__(self, args):
        self.q = (args.get("q") or "").strip()[:100]
        self.country = args.get("country") if args.get("country") in Country.__members__ else ""
        self.school_type = args.get("type") if args.get("type") in SchoolType.__members__ else ""
        self.language = args.get("language") if args.get("language") in LANGUAGES.keys else ""
        self.topic = args.get("topic") if args.get("topic") in TOPICS.keys else ""
        self.city = args.get("city", "") if args.get("city", "").isdecimal() else ""
        self.region = (args.get("region") or "").strip()[:160]
        age = args.get("age", "")
        self.age = int(age) if age.isdecimal() and 5 <= int(age) <= 21 else None
        self.looking = args.get("looking") == "1"
        given = {k for k, v in args.items() if v and k not in ("page", "lang")}
        kept = {k for k, v in self.as_args().items() if v}
        self.ignored = given - kept

    def key(self) -> tuple:
        """The filter values as a hashable cache key."""
        return tuple(self.as_args().values())

    def as_args(self) -> dict:
        return {
            "q": self.q,
            "country": self.country,
            "type": self.school_type,
            "language": self.language,
            "topic": self.topic,
            "city": self.city,
            "region": self.region,
            "age": str(self.age) if self.age else "",
            "looking": "1" if self.looking else "",
        }
