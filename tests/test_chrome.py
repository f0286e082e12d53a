"""The top bar is kept rendered per language, address, role, name and unread count: it must still show
each user's own state at once and carry the request's own CSRF token."""

import re

from schoolpartners.extensions import db
from schoolpartners.notifications.services import notify
from tests.factories import as_user


def csrf_tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', html))


def test_the_top_bar_follows_name_and_unread_count(app, make_user):
    anna = make_user("teacher", display_name="Anna Becker")
    client = as_user(app, anna)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Anna Becker" in page and "ungelesen" not in page
    notify(anna, "welcome", name="Anna")
    page = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r">1<span class=\"visually-hidden\"> ungelesen", page)
    anna.display_name = "Anna Neumann"
    db.session.flush()
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Anna Neumann" in page and "Anna Becker" not in page


def test_two_users_on_the_same_address_see_their_own_top_bar(app, make_user):
    first = as_user(app, make_user("teacher", display_name="Erste Lehrerin"))
    second = as_user(app, make_user("student", display_name="Zweiter Schüler"))
    one, two = first.get("/notifications").get_data(as_text=True), second.get("/notifications").get_data(as_text=True)
    assert "Erste Lehrerin" in one and "Zweiter Schüler" not in one
    assert "Zweiter Schüler" in two and "Erste Lehrerin" not in two
    assert "/classes" in one and "/partners/suggestions" in one and "/partners/suggestions" not in two


def test_the_kept_top_bar_carries_the_requests_own_csrf_token(app, csrf_enabled, make_user):
    user = make_user("teacher")
    clients = []
    for _ in range(2):  # two sessions of the same user: the same kept top bar, each with its own token
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        (token,) = csrf_tokens(html)
        client.post("/login", data={"csrf_token": token, "email": user.email, "password": "correct horse battery"})
        clients.append(client)
    tokens = [csrf_tokens(client.get("/dashboard").get_data(as_text=True)) for client in clients]
    assert len(tokens[0]) == len(tokens[1]) == 1 and tokens[0] != tokens[1]
    (token,) = tokens[1]
    assert clients[1].post("/logout", data={"csrf_token": token}).status_code == 302
    assert clients[1].get("/dashboard").status_code == 302  # logged out: to the login
    assert clients[0].get("/dashboard").status_code == 200
