"""The per-process school catalogue: when it reads the shared counter and when it reloads."""

from schoolpartners.extensions import db
from schoolpartners.schools import catalog as catalog_module


def names(client, url="/schools?lang=en"):
    return client.get(url).get_data(as_text=True)


def test_within_the_recheck_window_a_cached_directory_page_runs_no_query(app, client, make_school, queries):
    make_school(name="Elbschule")
    app.config["CATALOG_RECHECK_SECONDS"] = 60
    try:
        names(client)  # loads the catalogue, renders cards and filters
        queries.statements.clear()
        assert "Elbschule" in names(client)
        assert queries.count == 0, queries.statements
    finally:
        app.config["CATALOG_RECHECK_SECONDS"] = 0.0


def test_own_change_shows_at_once_and_another_process_change_after_the_window(app, client, make_school, monkeypatch):
    make_school(name="Elbschule")
    app.config["CATALOG_RECHECK_SECONDS"] = 60
    try:
        assert "Alsterschule" not in names(client)
        make_school(name="Alsterschule")  # bumps the counter ...
        db.session.commit()  # ... and commits in this process
        assert "Alsterschule" in names(client)

        # Another worker changes school data: here, only the shared counter has moved.
        make_school(name="Isarschule")
        db.session.info.pop("catalog_bumped")
        db.session.commit()
        assert "Isarschule" not in names(client)  # still the catalogue read a moment ago
        later = catalog_module.time.monotonic() + 61
        monkeypatch.setattr(catalog_module.time, "monotonic", lambda: later)
        assert "Isarschule" in names(client)
    finally:
        app.config["CATALOG_RECHECK_SECONDS"] = 0.0
