"""Forms shared by every domain."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField

from .formtokens import claim_form_token, new_form_token

ALREADY_SENT = _l("This form has already been sent, so nothing was added a second time.")
# The wording of an expired CSRF token: a page without its form token is as stale (or not from this site).
FORM_EXPIRED = _l("For your security the form has expired. Please reload the page and send it again.")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class ActionForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (log out, mark as read …)."""


class OnceForm(FlaskForm):
    """A form that creates something: a hidden one-time token makes a second sending of the same page a no-op.

    Valid only once: validation records the token in the request's transaction, so it is committed with what the
    form creates, and rolled back with it when the creation fails (the page shown again keeps the token). A page
    sent again finds the token used and gets ALREADY_SENT. A form without a token is refused where forms carry a
    CSRF token (every real page renders both); with CSRF checks switched off (the tests) it is simply not
    deduplicated.
    """

    once_token = HiddenField(default=new_form_token)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        sent = (self.once_token.raw_data or [""])[0]
        if not sent:
            if self.meta.csrf:
                self.form_errors.append(FORM_EXPIRED)
                return False
            return True
        if not _TOKEN.fullmatch(sent):
            self.form_errors.append(FORM_EXPIRED)
            return False
        if not claim_form_token(sent):
            self.form_errors.append(ALREADY_SENT)
            return False
        return True
