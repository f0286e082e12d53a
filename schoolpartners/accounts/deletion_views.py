"""Deleting one's own staff account (Issue 10 item 6): confirmed with the password, refused while there is
something to hand over. The service is privacy/staff.py."""

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..extensions import db
from ..logs import log_event
from ..permissions import access
from ..privacy.forms import DeleteAccountForm
from . import throttle
from .views import TOO_MANY_ATTEMPTS, bp


@bp.route("/account/delete", methods=["GET", "POST"])
@access("staff", confirmed=False)
def delete_account():
    """Delete one's own staff account after naming what must be handed over first."""
    from ..privacy.staff import StaffDeletionError, delete_staff_account, handovers  # builds on every domain

    user = current_user._get_current_object()
    form = DeleteAccountForm()
    open_tasks = handovers(user)
    if not open_tasks and form.validate_on_submit():
        budgets = throttle.login_budgets(user)
        if throttle.exhausted(*budgets):
            form.password.errors.append(TOO_MANY_ATTEMPTS)
            return render_template("accounts/delete.html", form=form, handovers=open_tasks), 429
        user_id = user.id
        try:
            delete_staff_account(user, form.password.data)
        except StaffDeletionError as exc:
            db.session.rollback()
            if exc.field == "password":
                throttle.spend(*budgets)
            (form.password.errors if exc.field == "password" else form.form_errors).append(str(exc))
        else:
            logout_user()
            session.clear()
            db.session.commit()
            log_event("account_deleted", user_id=user_id)
            flash(_("Your account has been deleted."), "info")
            return redirect(url_for("main.index"))
    return render_template("accounts/delete.html", form=form, handovers=open_tasks)
