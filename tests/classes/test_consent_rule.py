"""The consent rule in one statement (`lacking_consent`) agrees with the rule for one pupil (`may`)."""

from __future__ import annotations

from datetime import date

from schoolpartners.cities.models import Country
from schoolpartners.classes.models import ConsentScope, ParentalConsent
from schoolpartners.classes.services import lacking_consent, may
from schoolpartners.extensions import db

TODAY = date(2026, 12, 4)


def test_the_statement_agrees_with_may_around_the_consent_age(app, make_school, make_user, monkeypatch):
    """Pupils born in each month from 17 to 14 years before today, in a German and a Russian school, with and
    without a recorded consent, and one without a birth date: the set-based rule picks exactly those `may` refuses."""
    monkeypatch.setitem(app.config, "CONSENT_AGE", {"DE": 16, "RU": 14})
    pupils = []
    for country in (Country.DE, Country.RU):
        school = make_school(country)
        for months_back in range(14 * 12 - 2, 17 * 12 + 2):
            year, month = divmod(TODAY.year * 12 + TODAY.month - 1 - months_back, 12)
            pupils.append(make_user("student", school=school, birth_year=year, birth_month=month + 1))
        pupils.append(make_user("student", school=school))  # no birth date: consent needed
    teacher = make_user("teacher")
    for pupil in pupils[::3]:
        db.session.add(ParentalConsent(student_id=pupil.id, scope=ConsentScope.tandem, recorded_by_id=teacher.id))
    db.session.flush()
    with app.test_request_context():
        expected = {p.id for p in pupils if not may(p, ConsentScope.tandem, TODAY)}
        assert lacking_consent(pupils + [teacher], ConsentScope.tandem, TODAY) == expected
        assert 0 < len(expected) < len(pupils)
