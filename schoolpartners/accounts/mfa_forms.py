"""Forms of the second factor: a code, and a code with the password to turn it off."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from .forms import REQUIRED


def _code(label):
    return StringField(
        label,
        validators=[InputRequired(REQUIRED), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"},
    )


class MfaCodeForm(FlaskForm):
    """A six-digit code from the authenticator app (setup, new recovery codes)."""

    code = _code(_l("Code from the app"))


class MfaLoginForm(FlaskForm):
    """The second step of the login: a code from the app or a recovery code."""

    code = _code(_l("Code from the app or recovery code"))


class MfaRemoveForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[InputRequired(REQUIRED)], render_kw={"autocomplete": "current-password"}
    )
    code = _code(_l("Code from the app or recovery code"))
