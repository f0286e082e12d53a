"""Confirmations for the two deletions: a pupil's data (by their teacher) and one's own staff account."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, InputRequired

from ..accounts.forms import REQUIRED

CONFIRM = _l("Please confirm by ticking the box.")


class DeleteStudentForm(FlaskForm):
    confirm = BooleanField(
        _l("The student's family asked for the deletion. I understand that it cannot be undone."),
        validators=[DataRequired(CONFIRM)],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Current password"), validators=[InputRequired(REQUIRED)], render_kw={"autocomplete": "current-password"}
    )
    confirm = BooleanField(_l("I understand that my account is deleted for good."), validators=[DataRequired(CONFIRM)])
