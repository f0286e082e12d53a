"""Second factor for staff: the login's second step, setting it up, turning it off, and a reset by others."""

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..logs import log_event
from ..permissions import access, refuse
from ..schools.models import School, StaffMembership, can_manage_school
from . import mfa, throttle
from .mfa_forms import MfaCodeForm, MfaLoginForm, MfaRemoveForm
from .services import AccountError
from .views import TOO_MANY_ATTEMPTS, _safe_next, bp, sign_in

# Where someone who must set up a second factor may still go before doing so.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "accounts.enrol_mfa",
        "accounts.logout",
        "accounts.verify_login",
        "accounts.show_unconfirmed",
        "accounts.resend_confirmation",
        "accounts.show_confirm_email",
        "accounts.confirm_email",
        "static",
        "bootstrap.static",
    }
)
RENEW = "renew"  # the recovery-code form shares its page with the removal form: distinct field ids
SESSION_ENDED = _l("The login took too long. Please enter your password again.")


@bp.before_app_request
def require_enrolment():
    """Send coordinators without a second factor to its setup at their next request, when it is required."""
    if not current_app.config["MFA_REQUIRED"] or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    user = current_user._get_current_object()
    if not user.is_authenticated or user.is_student or user.mfa_enabled or not mfa.is_required(user):
        return None
    flash(_("Please set up a second factor for your account first. Your role requires it."), "warning")
    return redirect(url_for("accounts.enrol_mfa"))


@bp.route("/login/verify", methods=["GET", "POST"])
@access("public")
def verify_login():
    """The second step of the login: a code from the authenticator app or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    user = mfa.pending_user(session.get(mfa.PENDING_KEY))
    if user is None:
        session.pop(mfa.PENDING_KEY, None)
        flash(str(SESSION_ENDED), "info")
        return redirect(url_for("accounts.login", next=request.args.get("next")))
    form = MfaLoginForm()
    status = 200
    if form.validate_on_submit():
        # Counted before the check, right or wrong: parallel guesses can't all pass a test made before any
        # of them was counted. A good code spends one too, so no more codes are ever checked than allowed.
        if not throttle.take(*mfa.budgets(user.id)):
            log_event("login_mfa_throttled", user_id=user.id)
            form.form_errors.append(TOO_MANY_ATTEMPTS)
            return render_template("accounts/mfa_verify.html", form=form), 429
        kind = mfa.verify(user, form.code.data)
        if kind is None:
            log_event("login_mfa_failed", user_id=user.id)
            form.code.errors.append(str(mfa.WRONG_CODE))
            status = 401
        else:
            sign_in(user)
            db.session.commit()
            log_event("login", user_id=user.id, second_factor=kind)
            flash(_("Welcome back, %(name)s!", name=user.display_name), "success")
            if kind == "recovery":
                left = mfa.recovery_codes_left(user)
                message = ngettext(
                    "You logged in with a recovery code. %(num)d recovery code is left.",
                    "You logged in with a recovery code. %(num)d recovery codes are left.",
                    left,
                )
                flash(message, "warning")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("accounts/mfa_verify.html", form=form), status


@bp.route("/account/mfa")
@access("adult", confirmed=False)
def show_mfa():
    """The state of the second factor, with setting it up or turning it off."""
    user = current_user._get_current_object()
    return render_template(
        "accounts/mfa.html",
        required=mfa.is_required(user),
        codes_left=mfa.recovery_codes_left(user) if user.mfa_enabled else 0,
        remove_form=MfaRemoveForm(),
        codes_form=MfaCodeForm(prefix=RENEW),
    )


@bp.route("/account/mfa/setup", methods=["GET", "POST"])
@access("adult", confirmed=False)
def enrol_mfa():
    """Set up the authenticator app: scan the QR code (or type the key), then confirm with a code."""
    user = current_user._get_current_object()
    if user.mfa_enabled:
        return redirect(url_for("accounts.show_mfa"))
    secret = mfa.setup_secret(user)
    db.session.commit()  # kept, whatever happens to the code below
    form = MfaCodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.enable(user, secret, form.code.data)
        except AccountError as exc:
            db.session.rollback()
            getattr(form, exc.field or "code").errors.append(str(exc))
        else:
            sign_in(user)  # a new session for this device; enable() ended all the others
            db.session.commit()
            log_event("mfa_enabled", user_id=user.id)
            flash(_("The second factor is set up. Other devices have been signed out."), "success")
            return render_template("accounts/mfa_codes.html", codes=codes)
    uri = mfa.provisioning_uri(user, secret)
    return render_template(
        "accounts/mfa_setup.html", form=form, qr=mfa.qr_data_uri(uri), secret=mfa.grouped(secret)
    )


@bp.route("/account/mfa/recovery-codes", methods=["POST"])
@access("adult", confirmed=False)
def regenerate_recovery_codes():
    """Replace the recovery codes with ten new ones (confirmed with a code)."""
    user = current_user._get_current_object()
    form = MfaCodeForm(prefix=RENEW)
    if form.validate_on_submit() and user.mfa_enabled:
        if not throttle.take(*mfa.budgets(user.id)):  # counted before the check, as at the login
            flash(str(TOO_MANY_ATTEMPTS), "danger")
            return redirect(url_for("accounts.show_mfa"))
        try:
            codes = mfa.regenerate_recovery_codes(user, form.code.data)
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            log_event("mfa_recovery_codes_renewed", user_id=user.id)
            return render_template("accounts/mfa_codes.html", codes=codes)
    return redirect(url_for("accounts.show_mfa"))


@bp.route("/account/mfa/remove", methods=["POST"])
@access("adult", confirmed=False)
def remove_mfa():
    """Turn the own second factor off, with the password and a code (not where the role requires one)."""
    user = current_user._get_current_object()
    form = MfaRemoveForm()
    status = 200
    if form.validate_on_submit():
        if not throttle.take(*mfa.budgets(user.id)):  # counted before the check, as at the login
            form.form_errors.append(TOO_MANY_ATTEMPTS)
            status = 429
        else:
            try:
                mfa.remove(user, form.current.data, form.code.data)
            except AccountError as exc:
                db.session.rollback()
                target = getattr(form, exc.field, None) if exc.field else None
                (target.errors if target is not None else form.form_errors).append(str(exc))
                status = 400
            else:
                db.session.commit()
                log_event("mfa_removed", user_id=user.id)
                flash(_("The second factor is turned off."), "success")
                return redirect(url_for("accounts.show_mfa"))
    return render_template(
        "accounts/mfa.html",
        required=mfa.is_required(user),
        codes_left=mfa.recovery_codes_left(user) if user.mfa_enabled else 0,
        remove_form=form,
        codes_form=MfaCodeForm(formdata=None, prefix=RENEW),
    ), status


@bp.app_template_global("mfa_resettable_ids")
def mfa_resettable_ids(members) -> set[int]:
    """For the staff page: the users among these memberships whose second factor the current user may reset."""
    candidates = [m.user_id for m in members if m.is_active and m.user.mfa_enabled]
    return mfa.resettable_ids(current_user._get_current_object(), candidates) if candidates else set()


@bp.route("/schools/<int:school_id>/staff/<int:member_id>/reset-mfa", methods=["POST"])
@access("adult")
def reset_member_mfa(school_id, member_id):
    """A school coordinator (or the foundation) resets a staff member's second factor, e.g. after a lost phone."""
    school = db.get_or_404(School, school_id)
    if not can_manage_school(school, current_user):
        refuse(403)
    member = db.session.get(StaffMembership, member_id)
    if member is None or member.school_id != school.id or not member.is_active:
        abort(404)
    if member.user_id != current_user.id and not mfa.can_reset(current_user._get_current_object(), member.user):
        refuse(403)
    if ActionForm().validate_on_submit():
        if member.user_id == current_user.id:
            flash(_("Your own second factor can be reset only by another coordinator."), "danger")
        else:
            try:
                mfa.reset(member.user, by=current_user._get_current_object())
            except AccountError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                db.session.commit()
                log_event("mfa_reset", user_id=member.user_id, by=current_user.id, school_id=school.id)
                flash(_("The second factor of %(name)s has been reset.", name=member.user.display_name), "success")
    return redirect(url_for("schools.manage_staff", school_id=school.id))
