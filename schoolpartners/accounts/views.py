"""Login, registration, password and email changes, profile."""

import re
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from wtforms import SelectChoice

from ..extensions import db
from ..forms import ActionForm
from ..i18n import COMMON_TIMEZONES, DEFAULT_TIMEZONES, LANG_SESSION_KEY
from ..logs import log_event
from ..permissions import access
from . import mfa, services, throttle
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

TOO_MANY_ATTEMPTS = _l("Too many failed attempts. Please wait 15 minutes and try again, or reset your password.")
TOO_MANY_MAILS = _l("Too many emails were requested for this address or from this network. Please try again later.")


# Control characters, whitespace and the Unicode spaces browsers and urlsplit drop or treat as separators.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


def _safe_next(target: str | None) -> str:
    """A path on this site to go to after login; anything else (other hosts, tricks) gives the dashboard."""
    if target:
        target = _UNSAFE_IN_NEXT.sub("", target)
        try:
            parts = urlsplit(target)
        except ValueError:  # e.g. "//[" (an unclosed IPv6 host): the login has happened, so no 500 now
            return url_for("main.dashboard")
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith(("//", "/\\"))
            and "\\" not in target
        ):
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
        # Keyed on the account the name resolves to (one budget for its username and email); an unknown
        # name gets a budget of its own, so the answers are the same whether or not the account exists.
        account = services.find_by_login(form.email.data)
        budgets = throttle.login_budgets(account, form.email.data)
        if throttle.exhausted(*budgets):
            log_event("login_throttled", login=fold(form.email.data))
            form.form_errors.append(TOO_MANY_ATTEMPTS)
            return render_template("accounts/login.html", form=form), 429
        user = services.authenticate_user(account, form.password.data)
        if user is None or not user.is_active:
            throttle.spend(*budgets)
            log_event("login_failed", login=fold(form.email.data))
            form.form_errors.append(_("The email/username or the password is wrong."))
            status = 401
        elif user.mfa_enabled:
            # Not logged in yet: the session only remembers, for a few minutes, whose second step is due.
            session.clear()
            session[mfa.PENDING_KEY] = mfa.pending_marker(user)
            db.session.commit()  # a password hash upgraded by the check
            log_event("login_password_ok", user_id=user.id)
            return redirect(url_for("accounts.verify_login", next=request.args.get("next")))
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
        mail = throttle.take_mail(form.email.data)
        if mail is throttle.Mail.REFUSE:
            form.form_errors.append(TOO_MANY_MAILS)
            return render_template("accounts/register.html", form=form), 429
        if mail is throttle.Mail.SEND:
            locale = str(get_locale())
            user = services.register_staff(
                form.email.data, form.display_name.data, form.password.data, locale, DEFAULT_TIMEZONES[locale]
            )
            user_id = user.id if user else None  # read before the commit, which expires the user
            db.session.commit()
            log_event("register", user_id=user_id)
        else:
            log_event("mail_skipped", reason="address_total", action="register")
        # The same answer for a taken address (its owner gets an email instead), so no address is revealed.
        flash(
            _(
                "We sent a link to %(email)s. Open it to confirm the address, then log in.",
                email=form.email.data.strip(),
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
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
        mail = throttle.take_mail(current_user.email)
        if mail is throttle.Mail.REFUSE:
            flash(str(TOO_MANY_MAILS), "warning")
            return render_template("accounts/unconfirmed.html", form=ActionForm()), 429
        if mail is throttle.Mail.SEND:
            services.send_confirmation(current_user)
            db.session.commit()
        else:
            log_event("mail_skipped", reason="address_total", action="confirm", user_id=current_user.id)
        flash(_("We sent you a new confirmation link."), "info")
    return redirect(url_for("accounts.show_unconfirmed"))


@bp.route("/confirm/<token>")
@access("public")
def show_confirm_email(token):
    """The page behind an emailed confirmation link; it confirms nothing until its button is pressed."""
    return render_template("accounts/confirm.html", form=ActionForm(), action=_("Confirm my email address"))


@bp.route("/confirm/<token>", methods=["POST"])
@access("public")
def confirm_email(token):
    """Confirm an email address (a POST, so mail scanners that open links confirm nothing)."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("accounts.show_confirm_email", token=token))
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
        # Counted whether or not the address has an account, so the limit reveals nothing either.
        mail = throttle.take_mail(form.email.data)
        if mail is throttle.Mail.REFUSE:
            form.form_errors.append(TOO_MANY_MAILS)
            return render_template("accounts/reset_request.html", form=form), 429
        if mail is throttle.Mail.SEND:
            services.request_password_reset(form.email.data)
            db.session.commit()
            log_event("password_reset_requested")
        else:
            # Anyone can use up an address's total: not refused, so the answer tells them nothing.
            log_event("mail_skipped", reason="address_total", action="reset")
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
        session.pop(LANG_SESSION_KEY, None)  # the saved language now wins over one picked with ?lang=
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@access("user", confirmed=False)
def change_password():
    """Change the password; every other session ends."""
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        budgets = throttle.login_budgets(user)
        if throttle.exhausted(*budgets):
            form.current.errors.append(TOO_MANY_ATTEMPTS)
            return render_template("accounts/password.html", form=form), 429
        try:
            services.change_password(user, form.current.data, form.password.data)
        except AccountError as exc:
            if exc.field == "current":
                throttle.spend(*budgets)
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
    user = current_user._get_current_object()
    if form.validate_on_submit():
        budgets = throttle.login_budgets(user)
        if throttle.exhausted(*budgets):
            form.current.errors.append(TOO_MANY_ATTEMPTS)
            return render_template("accounts/email.html", form=form), 429
        try:
            services.request_email_change(user, form.current.data, form.email.data)
        except AccountError as exc:
            if exc.field == "current":
                throttle.spend(*budgets)
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("We sent a confirmation link to %(email)s.", email=form.email.data.strip()), "info")
            return redirect(url_for("accounts.edit_profile"))
    return render_template("accounts/email.html", form=form)


@bp.route("/account/email/<token>")
@access("public")
def show_confirm_email_change(token):
    """The page behind an emailed email-change link; it changes nothing until its button is pressed."""
    return render_template("accounts/confirm.html", form=ActionForm(), action=_("Use this email address"))


@bp.route("/account/email/<token>", methods=["POST"])
@access("public")
def confirm_email_change(token):
    """Confirm the new email address (a POST, like the confirmation of a first address)."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("accounts.show_confirm_email_change", token=token))
    try:
        services.confirm_email_change(token)
    except AccountError as exc:
        db.session.rollback()
        return render_template("accounts/token_error.html", message=str(exc)), 400
    db.session.commit()
    flash(_("Your email address has been changed."), "success")
    return redirect(url_for("accounts.edit_profile") if current_user.is_authenticated else url_for("accounts.login"))
