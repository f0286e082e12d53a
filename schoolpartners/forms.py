"""Forms shared by every domain."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (log out, mark as read …)."""
