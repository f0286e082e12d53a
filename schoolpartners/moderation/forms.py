"""Forms for reporting and for moderators' decisions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ..accounts.forms import REQUIRED
from .services import NOTE_LIMIT, NOTE_TOO_LONG, REASON_LIMIT, REASON_TOO_LONG


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with it?"),
        validators=[DataRequired(REQUIRED), Length(max=REASON_LIMIT, message=REASON_TOO_LONG)],
        render_kw={"rows": 4, "maxlength": REASON_LIMIT},
    )


class DecisionForm(FlaskForm):
    """The note with each decision; the queue writes these fields out itself (one small form per action)."""

    note = TextAreaField(validators=[Length(max=NOTE_LIMIT, message=NOTE_TOO_LONG)])
