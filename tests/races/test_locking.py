"""locking.lock and get_locked: a transaction that waits for a row lock sees the state committed before it got it,
even for an object its session already holds."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from schoolpartners.cities.models import City, Country, TwinCityLink
from schoolpartners.database import writes
from schoolpartners.extensions import db
from schoolpartners.locking import get_locked, lock
from tests.committed import Background, holding_lock, together, wait_for_lock_waiters

pytestmark = pytest.mark.committed


@pytest.fixture
def city_id(committed_app):
    with committed_app.app_context():
        db.session.execute(sa.delete(TwinCityLink))
        db.session.execute(sa.delete(City))  # the module's database is shared by its tests
        city = City(country=Country.DE, name_de="Alt", name_ru="Старый", name_en="Old", timezone="Europe/Berlin")
        db.session.add(city)
        db.session.commit()
        return city.id


def _read_under_lock(committed_app, city_id, load_first: bool):
    with committed_app.app_context():
        with writes():
            if load_first:
                city = db.session.get(City, city_id)  # held by the session before the lock: stale without lock()
                assert city.name_de == "Alt"
                lock(city)
            else:
                city = get_locked(City, city_id)
        seen = city.name_de
        db.session.rollback()
        return seen


@pytest.mark.parametrize(
    "load_first",
    # On SQLite a writing transaction waits at its BEGIN IMMEDIATE already, so it never holds a stale object.
    [pytest.param(True, marks=pytest.mark.postgres_only), False],
    ids=["lock", "get_locked"],
)
def test_the_waiting_transaction_sees_the_committed_state(committed_app, city_id, load_first):
    with holding_lock(committed_app, City, city_id) as first:
        waiting = Background(lambda: _read_under_lock(committed_app, city_id, load_first))
        wait_for_lock_waiters(committed_app)
        first.get(City, city_id).name_de = "Neu"
        first.commit()
    assert waiting.result() == "Neu"


def test_together_releases_every_call_and_keeps_their_order():
    assert together(lambda: 1, lambda: 2, lambda: 3) == [1, 2, 3]


def test_an_object_loaded_with_outer_joins_can_be_locked(committed_app, city_id):
    """PostgreSQL cannot lock the nullable side of an outer join: the lock covers the object's own table only."""
    with committed_app.app_context():
        russian = City(country=Country.RU, name_de="Ort", name_ru="Город", name_en="Town", timezone="Europe/Moscow")
        db.session.add(russian)
        db.session.flush()
        link = TwinCityLink(german_city_id=city_id, russian_city_id=russian.id, source="https://example.org/a")
        db.session.add(link)
        db.session.commit()
        link_id = link.id
    with committed_app.app_context():
        with writes():
            loaded = db.session.scalars(
                sa.select(TwinCityLink).where(TwinCityLink.id == link_id).options(joinedload(TwinCityLink.german_city))
            ).one()
            assert lock(loaded).german_city.name_de == "Alt"
            assert get_locked(TwinCityLink, link_id) is loaded
        db.session.rollback()
