"""Finding #14: the adult tandem pool is open only to staff with an active membership in a verified school."""

import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.schools.models import SchoolStatus
from schoolpartners.tandem.models import TandemInvitation
from tests.factories import as_user


def test_a_stranger_sees_no_teachers_and_cannot_invite_them(app, world, make_adult):
    """Finding #14: someone who only registered saw real teachers' names and could send them proposals."""
    olga = make_adult(world["ru"], "ru", "de", "Europe/Moscow", display_name="Ольга Смирнова")
    stranger = make_adult(None, "de", "ru", "Europe/Berlin", display_name="Fremder")
    client = as_user(app, stranger)
    page = client.get("/tandem/adults?lang=en").get_data(as_text=True)
    assert "Ольга Смирнова" not in page and "open to the staff of verified schools" in page
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalars(sa.select(TandemInvitation)).all() == []


def test_staff_of_a_pending_school_are_neither_shown_nor_shown_others(app, world, make_adult, make_school):
    """Finding #14: membership of a school the foundation has not verified does not open the pool."""
    pending = make_school(status=SchoolStatus.pending)
    anna = make_adult(world["de"], "de", "ru", "Europe/Berlin", display_name="Anna Verified")
    olga = make_adult(world["ru"], "ru", "de", "Europe/Moscow", display_name="Ольга Смирнова")
    unchecked = make_adult(pending, "ru", "de", "Europe/Moscow", display_name="Unchecked Person")
    assert "Unchecked Person" not in as_user(app, anna).get("/tandem/adults").get_data(as_text=True)
    client = as_user(app, unchecked)
    assert "Ольга Смирнова" not in client.get("/tandem/adults").get_data(as_text=True)
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalars(sa.select(TandemInvitation)).all() == []


def test_verified_staff_still_meet_in_the_pool(app, world, make_adult):
    """Finding #14: for staff of verified schools nothing changes."""
    anna = make_adult(world["de"], "de", "ru", "Europe/Berlin")
    olga = make_adult(world["ru"], "ru", "de", "Europe/Moscow", display_name="Ольга Смирнова")
    client = as_user(app, anna)
    assert "Ольга Смирнова" in client.get("/tandem/adults").get_data(as_text=True)
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalar(sa.select(TandemInvitation.to_user_id)) == olga.id
