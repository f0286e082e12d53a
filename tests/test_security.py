"""Headers, CSRF, cookies, error pages, and nothing loaded from other hosts."""

import re

import pytest

PUBLIC_PAGES = ["/", "/login", "/register", "/reset", "/twin-cities", "/privacy", "/imprint"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_security_headers_on_every_page(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_behind_login_are_not_cached(client, login, make_user):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(make_user("teacher"))
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_lax(client, make_user):
    user = make_user("teacher")
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_default_secret(monkeypatch):
    from config import DEFAULT_SECRET
    from schoolpartners import create_app

    monkeypatch.setenv("SECRET_KEY", DEFAULT_SECRET)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("ProdConfig")
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(RuntimeError):
        create_app("ProdConfig")


def test_missing_csrf_token_gets_a_translated_page(client, csrf_enabled, make_user):
    user = make_user("teacher")
    response = client.post("/login?lang=ru", data={"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 400
    assert "Срок действия формы истёк" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_forms_carry_a_csrf_token(client, csrf_enabled):
    assert 'name="csrf_token"' in client.get("/login").get_data(as_text=True)


def test_login_with_valid_csrf_token_works(client, csrf_enabled, make_user):
    user = make_user("teacher")
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"csrf_token": token, "email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(("lang", "text"), [("de", "Seite nicht gefunden"), ("ru", "Страница не найдена")])
def test_not_found_page_is_translated(client, lang, text):
    response = client.get(f"/no/such/page?lang={lang}")
    assert response.status_code == 404 and text in response.get_data(as_text=True)


def test_server_error_page_is_translated(app, client, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "main.imprint", boom)
    response = client.get("/imprint?lang=ru")
    assert response.status_code == 500
    assert "Что-то пошло не так" in response.get_data(as_text=True)


def _loaded_resources(html: str) -> list[str]:
    pattern = r'<(?:script|img|iframe|source|video|audio)[^>]+src="([^"]+)"|<link[^>]+href="([^"]+)"'
    return [a or b for a, b in re.findall(pattern, html)]


def test_nothing_is_loaded_from_other_hosts(client, login, make_user, make_link):
    link = make_link()
    pages = [*PUBLIC_PAGES, f"/twin-cities/{link.id}"]
    found = []
    for url in pages:
        found += _loaded_resources(client.get(url).get_data(as_text=True))
    login(make_user("coordinator"))
    for url in ("/dashboard", "/notifications", "/outbox", "/account"):
        found += _loaded_resources(client.get(url).get_data(as_text=True))
    assert found
    off_host = [url for url in found if not url.startswith("/") or url.startswith("//")]
    assert not off_host
    for url in set(found):
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_stylesheets_import_nothing_from_other_hosts(client):
    html = client.get("/").get_data(as_text=True)
    for href in re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html):
        with client.get(href) as response:
            css = response.get_data(as_text=True)
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css), href
        assert "@import" not in css


def test_filter_options_escape_values_and_texts():
    from schoolpartners.templating import option_tags

    html = str(option_tags([('a"b', "<script>x</script>"), ("2", "Zwei")], "2"))
    assert "<script>" not in html and "&lt;script&gt;" in html and 'value="a&#34;b"' in html
    assert '<option value="2" selected>Zwei</option>' in html


def test_user_text_is_escaped_on_pages(client, login, make_user):
    login(make_user("teacher", display_name="<img src=x onerror=alert(1)>"))
    html = client.get("/dashboard").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html
