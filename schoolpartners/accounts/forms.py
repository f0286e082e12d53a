"""Account forms; every label and message is translated lazily."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from ..domain import clean_name
from ..forms import OnceForm
from ..i18n import COMMON_TIMEZONES, LANGUAGES, is_valid_timezone

REQUIRED = _l("Please fill in this field.")
EMAIL_INVALID = _l("Please enter a valid email address.")
PASSWORD_LENGTH = _l("The password must be between 10 and 128 characters long.")


def _password(label):
    return PasswordField(
        label,
        validators=[InputRequired(REQUIRED), Length(10, 128, PASSWORD_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )


def _email(label):
    return EmailField(
        label,
        render_kw={"autocomplete": "email"},
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("The email address is too long.")),
            Email(EMAIL_INVALID),
        ],
    )


class LoginForm(FlaskForm):
    email = StringField(
        _l("Email or username"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(REQUIRED), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )


class RegisterForm(OnceForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(REQUIRED), Length(max=120, message=_l("At most 120 characters."))],
        filters=[clean_name],
    )
    email = _email(_l("Email address"))
    password = _password(_l("Password"))
    password2 = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    accept_privacy = BooleanField(
        _l("I have read the privacy notice."),
        validators=[DataRequired(_l("Please confirm that you have read the privacy notice."))],
    )


class ResetRequestForm(FlaskForm):
    email = _email(_l("Email address"))


class ResetPasswordForm(FlaskForm):
    password = _password(_l("New password"))
    password2 = PasswordField(
        _l("Repeat the new password"),
        validators=[InputRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[InputRequired(REQUIRED)], render_kw={"autocomplete": "current-password"}
    )


class ChangeEmailForm(FlaskForm):
    email = _email(_l("New email address"))
    current = PasswordField(
        _l("Current password"), validators=[InputRequired(REQUIRED)], render_kw={"autocomplete": "current-password"}
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(REQUIRED), Length(max=120, message=_l("At most 120 characters."))],
        filters=[clean_name],
    )
    locale = SelectField(
        _l("Language"), choices=[SelectChoice(code, name, {"lang": code}) for code, name in LANGUAGES.items()]
    )
    timezone = SelectField(_l("Time zone"), choices=[SelectChoice(zone) for zone in COMMON_TIMEZONES])

    def validate_timezone(self, field):
        if not is_valid_timezone(field.data):
            raise ValidationError(_l("Please choose a time zone from the list."))
