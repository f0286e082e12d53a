"""Forms for partnership requests and partnerships."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..accounts.forms import REQUIRED
from ..forms import OnceForm
from ..schools.forms import TOO_LONG, CheckboxesField
from ..schools.options import FORMS, TOPICS
from .models import PartnershipStatus


class RequestForm(OnceForm):
    from_school = SelectField(_l("On behalf of"), validators=[InputRequired(REQUIRED)])
    message_de = TextAreaField(_l("Message in German"), validators=[Length(max=4000, message=TOO_LONG)])
    message_ru = TextAreaField(_l("Message in Russian"), validators=[Length(max=4000, message=TOO_LONG)])
    topics = CheckboxesField(_l("Proposed topics"))
    forms = CheckboxesField(_l("Proposed forms of cooperation"))

    def __init__(self, schools, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.from_school.choices = [SelectChoice(str(s.id), s.name) for s in schools]
        self.topics.choices = [SelectChoice(k, label) for k, label in TOPICS.choices()]
        self.forms.choices = [SelectChoice(k, label) for k, label in FORMS.choices()]


def _people(users):
    return [SelectChoice(str(u.id), u.display_name) for u in users]


class AcceptForm(FlaskForm):
    contact = SelectField(_l("Our contact person"), validators=[InputRequired(REQUIRED)])

    def __init__(self, staff, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact.choices = _people(staff)


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional, the other school reads it)"), validators=[Length(max=4000, message=TOO_LONG)]
    )


class MessageForm(OnceForm):
    body = TextAreaField(
        _l("Question or answer"), validators=[DataRequired(REQUIRED), Length(max=4000, message=TOO_LONG)]
    )


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"))
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=500, message=TOO_LONG)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice(s.value, s.label) for s in PartnershipStatus]


class ContactForm(FlaskForm):
    contact = SelectField(_l("New contact person"), validators=[InputRequired(REQUIRED)])

    def __init__(self, staff, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contact.choices = _people(staff)
