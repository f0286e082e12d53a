"""A pupil's own data (Finding #21, Issue 10 item 6): everything the platform holds about them, as a zip."""

from flask import render_template
from flask_login import current_user

from ..permissions import access
from .views import bp


@bp.route("/account/data")
@access("student")
def show_data():
    """What the platform holds about the pupil, and the download."""
    return render_template("accounts/data.html")


@bp.route("/account/data/download")
@access("student")
def download_data():
    """The pupil's own data as a zip: index.html to read, data.json for other programs, the files."""
    from ..privacy.export import export_zip, zip_response  # privacy builds on every domain, accounts come first

    return zip_response(export_zip(current_user._get_current_object()), "my-data.zip")
