"""Forbidden paths: other pairs, unrelated schools, students on teachers' pages, unknown ids."""

from __future__ import annotations

import pytest

from schoolpartners.cities.models import Country
from schoolpartners.extensions import db
from schoolpartners.tandem.models import TandemMessage

PAIR_PAGES = ["/tandem/pairs/{id}", "/tandem/pairs/{id}/vocabulary.csv"]
PAIR_POSTS = ["/tandem/pairs/{id}/messages", "/tandem/pairs/{id}/sessions", "/tandem/pairs/{id}/vocabulary"]


@pytest.fixture
def secret(live_pair):
    message = TandemMessage(pair_id=live_pair.id, author_id=live_pair.members[0].user_id, body="Geheimnis 4711")
    db.session.add(message)
    db.session.flush()
    return message


def test_a_student_never_sees_another_pairs_messages(client, login, world, live_pair, secret):
    outsider = world["german"][1]  # same class, not in the pair
    login(outsider)
    for page in PAIR_PAGES:
        assert client.get(page.format(id=live_pair.id)).status_code == 404
    for post in PAIR_POSTS:
        assert client.post(post.format(id=live_pair.id), data={"body": "x"}).status_code == 404
    assert "Geheimnis" not in client.get("/tandem").get_data(as_text=True)
    assert client.get(f"/report/tandem_message/{secret.id}").status_code == 404


def test_a_teacher_of_an_unrelated_school_never_sees_a_pair(client, login, world, live_pair, make_user, make_school):
    stranger = make_user("teacher", school=make_school(Country.DE))
    login(stranger)
    for page in PAIR_PAGES:
        assert client.get(page.format(id=live_pair.id)).status_code == 404
    assert client.get(f"/tandem/class-partnerships/{world['link'].id}").status_code == 404
    assert client.post(f"/tandem/pairs/{live_pair.id}/pause").status_code == 404
    round_id = live_pair.round_id
    for url in (f"/tandem/rounds/{round_id}", f"/tandem/rounds/{round_id}/approve"):
        response = client.get(url) if url.endswith(str(round_id)) else client.post(url)
        assert response.status_code == 404
    assert "Geheimnis" not in client.get("/moderation").get_data(as_text=True)


def test_a_colleague_at_the_same_school_not_teaching_the_classes_sees_nothing(
    client, login, world, live_pair, make_user
):
    colleague = make_user("teacher", school=world["de"])
    login(colleague)
    assert client.get(f"/tandem/pairs/{live_pair.id}").status_code == 404
    assert client.get(f"/tandem/class-partnerships/{world['link'].id}").status_code == 404


def test_supervising_teachers_of_both_schools_read_along(client, app, login, world, live_pair, secret):
    from tests.factories import as_user

    for teacher in (world["de_teacher"], world["ru_teacher"]):
        page = as_user(app, teacher).get(f"/tandem/pairs/{live_pair.id}").get_data(as_text=True)
        assert "Geheimnis 4711" in page
        assert 'name="body"' not in page  # they supervise; they do not write in the pair


def test_students_cannot_run_rounds(client, login, world, live_pair):
    login(world["german"][0])
    assert client.get(f"/tandem/class-partnerships/{world['link'].id}").status_code == 403
    assert (
        client.post(f"/tandem/class-partnerships/{world['link'].id}/rounds", data={"surplus": "waiting"}).status_code
        == 403
    )
    assert client.get(f"/tandem/rounds/{live_pair.round_id}").status_code == 403


def test_proposed_pairs_stay_hidden_from_students_until_published(client, login, world, proposed_pair):
    pair = proposed_pair
    login(world["german"][2])
    assert client.get(f"/tandem/pairs/{pair.id}").status_code == 404
    assert world["russian"][2].display_name not in client.get("/tandem").get_data(as_text=True)


def test_unknown_ids_give_404(client, login, world):
    login(world["de_teacher"])
    for url in ("/tandem/pairs/999999", "/tandem/rounds/999999", "/tandem/class-partnerships/999999"):
        assert client.get(url).status_code == 404
    assert client.post("/tandem/pairs/999999/messages", data={"body": "x"}).status_code == 404
    assert client.post("/tandem/invitations/999999/accept").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(client, live_pair):
    response = client.get(f"/tandem/pairs/{live_pair.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_contact_details_never_appear_on_the_pair_page(client, login, world, live_pair):
    world["russian"][0].set_email("ivan.private@example.org")
    db.session.flush()
    login(world["german"][0])
    page = client.get(f"/tandem/pairs/{live_pair.id}").get_data(as_text=True)
    assert "ivan.private@example.org" not in page and world["russian"][0].username not in page
