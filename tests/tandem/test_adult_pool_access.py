"""Finding #14: the adult tandem pool is open only to staff with an active membership in a verified school."""

import sqlalchemy as sa

from schoolpartners.extensions import db
from schoolpartners.schools.models import SchoolStatus
from schoolpartners.tandem.matching import slot_code
from schoolpartners.tandem.models import TandemInvitation, TandemProfile
from tests.factories import as_user


def adult(make_user, school, speaks, learns, zone, **fields):
    # without a school: registered and confirmed, on no school's staff
    user = make_user("teacher", school=school, timezone=zone, **fields) if school else make_user("staff", **fields)
    db.session.add(
        TandemProfile(
            user_id=user.id,
            speaks=[speaks],
            learns=learns,
            interests=["history"],
            slots=[slot_code(2, 16)] if zone == "Europe/Berlin" else [slot_code(2, 18)],
            modes=["written"],
            adult_pool=True,
        )
    )
    db.session.flush()
    return user


def test_a_stranger_sees_no_teachers_and_cannot_invite_them(app, world, make_user):
    """Finding #14: someone who only registered saw real teachers' names and could send them proposals."""
    olga = adult(make_user, world["ru"], "ru", "de", "Europe/Moscow", display_name="Ольга Смирнова")
    stranger = adult(make_user, None, "de", "ru", "Europe/Berlin", display_name="Fremder")
    client = as_user(app, stranger)
    page = client.get("/tandem/adults?lang=en").get_data(as_text=True)
    assert "Ольга Смирнова" not in page and "open to the staff of verified schools" in page
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalars(sa.select(TandemInvitation)).all() == []


def test_staff_of_a_pending_school_are_neither_shown_nor_shown_others(app, world, make_user, make_school):
    """Finding #14: membership of a school the foundation has not verified does not open the pool."""
    pending = make_school(status=SchoolStatus.pending)
    anna = adult(make_user, world["de"], "de", "ru", "Europe/Berlin", display_name="Anna Verified")
    olga = adult(make_user, world["ru"], "ru", "de", "Europe/Moscow", display_name="Ольга Смирнова")
    unchecked = adult(make_user, pending, "ru", "de", "Europe/Moscow", display_name="Unchecked Person")
    assert "Unchecked Person" not in as_user(app, anna).get("/tandem/adults").get_data(as_text=True)
    client = as_user(app, unchecked)
    assert "Ольга Смирнова" not in client.get("/tandem/adults").get_data(as_text=True)
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalars(sa.select(TandemInvitation)).all() == []


def test_verified_staff_still_meet_in_the_pool(app, world, make_user):
    """Finding #14: for staff of verified schools nothing changes."""
    anna = adult(make_user, world["de"], "de", "ru", "Europe/Berlin")
    olga = adult(make_user, world["ru"], "ru", "de", "Europe/Moscow", display_name="Ольга Смирнова")
    client = as_user(app, anna)
    assert "Ольга Смирнова" in client.get("/tandem/adults").get_data(as_text=True)
    client.post(f"/tandem/adults/{olga.id}/invite")
    assert db.session.scalar(sa.select(TandemInvitation.to_user_id)) == olga.id
