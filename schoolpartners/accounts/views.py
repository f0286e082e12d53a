"""Login, registration, password and email changes, profile."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from limits import parse
from wtforms import SelectChoice

from ..extensions import db, limiter
from ..forms import ActionForm
from ..i18n import COMMON_TIMEZONES, DEFAULT_TIMEZONES
from ..logs import log_event
from ..permissions import access
from . import services
from .forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .models import fold
from .services import AccountError

bp = Blueprint("accounts", __name__)


def _limits():
    cfg = current_app.config
    return parse(cfg["LOGIN_LIMIT_PER_ACCOUNT"]), parse(cfg["LOGIN_LIMIT_PER_IP"])


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("main.dashboard")


def sign_in(user) -> None:
    """Start a fresh session (new id, nothing carried over from before the login)."""
    session.clear()
    session["sid"] = services.create_session(user, request.user_agent.string)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@access("public")
def login():
    """Log in with email or username."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        account_limit, ip_limit = _limits()
        account_key, ip_key = fold(form.email.data), request.remote_addr or "?"
        strategy = limiter.limiter
        if not strategy.test(account_limit, "login-account", account_key) or not strategy.test(
            ip_limit, "login-ip", ip_key
        ):
            log_event("login_throttled", login=account_key)
            form.form_errors.append(
                _("Too many failed attempts. Please wait 15 minutes and try again, or reset your password.")
            )
            return render_template("accounts/login.html", form=form), 429
        user = services.authenticate(form.email.data, form.password.data)
        if user is None or not user.is_active:
            strategy.hit(account_limit, "login-account", account_key)
            strategy.hit(ip_limit, "login-ip", ip_key)
            log_event("login_failed", login=account_key)
            form.form_errors.append(_("The email/username or the password is wrong."))
            status = 401
        else:
            sign_in(user)
            db.session.commit()
            log_event("login", user_id=user.id)
            flash(_("Welcome back, %(name)s!", name=user.display_name), "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@access("user", confirmed=False)
def logout():
    """Log out and end the session on the server."""
    form = ActionForm()
    if form.validate_on_submit():
        token = session.get("sid")
        if token:
            services.revoke_session(token)
        log_event("logout", user_id=current_user.id)
        logout_user()
        session.clear()
        db.session.commit()
        flash(_("You have been logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@access("public")
def register():
    """Register a staff account (teachers and school coordinators)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        locale = str(get_locale())
        try:
            user = services.register_staff(
                form.email.data, form.display_name.data, form.password.data, locale, DEFAULT_TIMEZONES[locale]
            )
        except AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            sign_in(user)
            db.session.commit()
            log_event("register", user_id=user.id)
            flash(_("Your account has been created. Please confirm your email address: we sent you a link."), "success")
            return redirect(url_for("accounts.show_unconfirmed"))
    return render_template("accounts/register.html", form=form)


@bp.route("/account/unconfirmed")
@access("user", confirmed=False)
def show_unconfirmed():
    """Tell a new user to confirm their email address, and offer to resend the link."""
    if current_user.email_confirmed or not current_user.email:
        return redirect(url_for("main.dashboard"))
    return render_template("accounts/unconfirmed.html", form=ActionForm())


@bp.route("/account/resend-confirmation", methods=["POST"])
@access("user", confirmed=False)
def resend_confirmation():
    """Send a new confirmation link."""
    if ActionForm().validate_on_submit() and current_user.email and not current_user.email_confirmed:
        services.send_confirmation(current_user)
        db.session.commit()
        flash(_("We sent you a new confirmation link."), "info")
    return redirect(url_for("accounts.show_unconfirmed"))


@bp.route("/confirm/<token>")
@access("public")
def confirm_email(token):
    """Confirm an email address from the emailed link."""
    try:
        services.confirm_email(token)
    except AccountError as exc:
        db.session.rollback()
        return render_template("accounts/token_error.html", message=str(exc)), 400
    db.session.commit()
    flash(_("Thank you, your email address is confirmed."), "success")
    return redirect(url_for("main.dashboard") if current_user.is_authenticated else url_for("accounts.login"))


@bp.route("/reset", methods=["GET", "POST"])
@access("public")
def request_reset():
    """Ask for a password-reset link."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        log_event("password_reset_requested")
        # The same answer whether or not the address exists.
        flash(_("If an account exists for this address, we have sent a link to reset the password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@access("public")
def reset_password(token):
    """Set a new password with an emailed, single-use link."""
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except AccountError as exc:
            db.session.rollback()
            return render_template("accounts/token_error.html", message=str(exc)), 400
        db.session.commit()
        log_event("password_reset", user_id=user.id)
        if current_user.is_authenticated:
            logout_user()
            session.clear()
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@access("user", confirmed=False)
def edit_profile():
    """Edit the display name, language and time zone."""
    form = ProfileForm(obj=current_user)
    if current_user.timezone not in COMMON_TIMEZONES:
        form.timezone.choices = [SelectChoice(current_user.timezone), *form.timezone.choices]
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        current_user.locale = form.locale.data
        current_user.timezone = form.timezone.data
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@access("user", confirmed=False)
def change_password():
    """Change the password; every other session ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except AccountError as exc:
            getattr(form, exc.field or "current").errors.append(str(exc))
        else:
            sign_in(current_user._get_current_object())
            db.session.commit()
            log_event("password_changed", user_id=current_user.id)
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@access("adult", confirmed=False)
def change_email():
    """Change the email address after confirming the new one."""
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.current.data, form.email.data)
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("We sent a confirmation link to %(email)s.", email=form.email.data.strip()), "info")
            return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/email.html", form=form)


@bp.route("/account/email/<token>")
@access("public")
def confirm_email_change(token):
    """Confirm the new email address from the emailed link."""
    try:
        services.confirm_email_change(token)
    except AccountError as exc:
        db.session.rollback()
        return render_template("accounts/token_error.html", message=str(exc)), 400
    db.session.commit()
    flash(_("Your email address has been changed."), "success")
    return redirect(url_for("accounts.edit_profile") if current_user.is_authenticated else url_for("accounts.login"))
