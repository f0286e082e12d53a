"""Forms for city partnerships."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from .models import LinkStatus


class LinkStatusForm(FlaskForm):
    status = SelectField(_l("Status"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are built per request so they follow the viewer's language.
        self.status.choices = [SelectChoice(s.value, s.label) for s in LinkStatus]
