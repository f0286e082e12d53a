"""A pupil's data export: everything the platform holds, for the pupil or their teacher (Finding #21, Issue 10
item 6)."""

from __future__ import annotations

import io
import json
import zipfile

from schoolpartners.extensions import db
from tests.classes.family import MARK, PDF, build
from tests.factories import as_user
from tests.texts import shown


def unzip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    assert "no-store" in response.headers["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    return archive


def test_teacher_export_holds_every_category_and_names_others_by_first_name_and_initial(app, make_school, make_user):
    """Finding #21: the export had no tandem messages, profile, sessions, vocabulary, posts, comments or
    notifications, and handed out other pupils' full names with team work."""
    w = build(app, make_school, make_user)
    teacher = as_user(app, w["de_teacher"])
    archive = unzip(teacher.get(f"/classes/{w['de_class'].id}/students/{w['lena'].id}/export"))
    data = json.loads(archive.read("data.json"))

    assert data["profile"]["display_name"] == f"Lena {MARK}" and data["profile"]["birth_year"] == 2012
    assert [c["name"] for c in data["classes"]] == ["9b"] and len(data["consents"]) == 3
    assert data["tandem_profile"]["learns"] == "ru"
    assert data["tandem_pairs"][0]["partners"] == ["Ivan P."]
    assert [m["text"] for m in data["tandem_messages"]] == [f"Ich heiße Lena {MARK}, 14 <b>0</b>"]
    assert data["tandem_sessions"][0]["learned"] == f"Слово {MARK}" and "Apfel" not in json.dumps(data)
    assert [v["word"] for v in data["vocabulary"]] == [f"{MARK} 0"]
    assert sorted(p["text"] for p in data["posts"]) == [f"Frage von {MARK}", f"Noch ein Post {MARK}"]
    assert sorted(c["text"] for c in data["comments"]) == [f"Danke {MARK}", f"Kommentar {MARK}"]
    assert [n["text"] for n in data["notifications"]] == ["Du unterrichtest jetzt auch die Klasse 9b."]  # her teacher's
    assert data["reports"][0]["reason"] == f"Gemein {MARK}"

    own, team = data["submissions"]
    assert own["versions"][0]["text"] == f"Mein Text {MARK} 0" and own["feedback"][0]["text"] == "Gut gemacht"
    assert archive.read(own["versions"][0]["files"][0]["path"]).startswith(PDF)
    assert team["team"] == "Team Elbe" and team["co_authors"] == ["Ivan P."]
    assert [v["by"] for v in team["versions"]] == [f"Lena {MARK}"]  # her own versions only (see below)
    assert archive.read(team["versions"][0]["files"][0]["path"]).startswith(PDF)

    everything = archive.read("data.json").decode() + archive.read("index.html").decode()
    assert "Petrov" not in everything and "Привет, я Иван" not in everything  # the partner's name and words

    index = archive.read("index.html").decode()
    assert '<html lang="de">' in index and f"Lena {MARK}</h1>" in index
    assert "&lt;b&gt;0&lt;/b&gt;" in index and "<b>0</b>" not in index  # escaped, not rendered
    assert "Ivan P." in index and "Team Elbe" in index


def test_the_export_holds_the_planned_meetings_of_her_tandems(app, make_school, make_user):
    """Issue 10 item 6: the meetings planned for her pairs (by her or her partner) are in data.json and the index,
    the partner named by first name and initial."""
    w = build(app, make_school, make_user)
    teacher = as_user(app, w["de_teacher"])
    archive = unzip(teacher.get(f"/classes/{w['de_class'].id}/students/{w['lena'].id}/export"))
    data = json.loads(archive.read("data.json"))
    assert [(m["pair_id"], m["place"], m["minutes"], m["planned_by"]) for m in data["tandem_meetings"]] == [
        (w["pair"].id, f"Raum {MARK}", 45, f"Lena {MARK}"),
        (w["pair"].id, "Урок", 30, "Ivan P."),
    ]
    assert data["tandem_meetings"][0]["starts_at"] == "2026-10-05T12:00:00+00:00"
    index = archive.read("index.html").decode()
    section = index[index.index(shown(app, "Planned meetings")) :]
    assert f"Raum {MARK}" in section and "Урок" in section
    assert shown(app, "planned by %(name)s", name="Ivan P.") in section and "Petrov" not in index


def test_a_pupil_downloads_their_own_data_from_the_account_page_in_their_language(app, make_school, make_user):
    """Issue 10 item 6: the pupil reaches their data from the account page; the index is in their language."""
    w = build(app, make_school, make_user)
    w["lena"].locale = "ru"
    db.session.flush()
    pupil = as_user(app, w["lena"])
    page = pupil.get("/account/data").get_data(as_text=True)
    assert "/account/data/download" in page
    archive = unzip(pupil.get("/account/data/download"))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["username"] == w["lena"].username and len(data["tandem_messages"]) == 1
    assert '<html lang="ru">' in archive.read("index.html").decode()


def test_the_export_runs_a_fixed_number_of_statements(app, make_school, make_user, queries):
    """Issue 10 item 6: no statement per message, session, word or version (no N+1)."""
    counts = []
    for extra in (1, 6):
        w = build(app, make_school, make_user, extra=extra)
        teacher = as_user(app, w["de_teacher"])
        url = f"/classes/{w['de_class'].id}/students/{w['lena'].id}/export"
        unzip(teacher.get(url))
        queries.statements.clear()
        archive = unzip(teacher.get(url))
        counts.append(queries.count)
        data = json.loads(archive.read("data.json"))
        assert len(data["tandem_messages"]) == extra and len(data["tandem_meetings"]) == 2 * extra
    assert counts[0] == counts[1], counts


def test_nobody_else_exports_a_pupil(app, client, login, make_school, make_user):
    """Issue 10 item 6: a teacher of another school or of another class gets 404; a pupil cannot use the
    teachers' export, and their own download holds only their own data."""
    w = build(app, make_school, make_user)
    url = f"/classes/{w['de_class'].id}/students/{w['lena'].id}/export"
    other_class = f"/classes/{w['ru_class'].id}/students/{w['lena'].id}/export"
    partner_teacher = as_user(app, w["ru_teacher"])
    assert partner_teacher.get(url).status_code == 404
    assert partner_teacher.get(other_class).status_code == 404
    colleague = as_user(app, make_user("teacher", school=w["de"]))  # same school, not her class
    response = colleague.get(url)
    assert response.status_code == 404 and not response.data.startswith(b"PK")
    ivan = as_user(app, w["ivan"])
    response = ivan.get(url)
    assert response.status_code == 403 and not response.data.startswith(b"PK")
    archive = unzip(ivan.get("/account/data/download"))
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["display_name"] == "Ivan Petrov" and not data["tandem_messages"][0]["text"].count(MARK)
    assert f"Lena {MARK}" not in archive.read("data.json").decode()  # the team's work names her as "Lena Z."
    assert data["submissions"][0]["co_authors"] == ["Lena Z."]


def test_team_work_holds_only_her_own_versions_and_never_a_co_authors_files(app, make_school, make_user):
    """Issue 10 item 2, Finding #6: the export held the team's whole submission, Ivan's version with his text and
    his file under the name he uploaded it with (often a full name); now only Lena's own versions and files, with
    the team, the stage and Ivan as first name and initial."""
    w = build(app, make_school, make_user)
    teacher = as_user(app, w["de_teacher"])
    archive = unzip(teacher.get(f"/classes/{w['de_class'].id}/students/{w['lena'].id}/export"))
    data = json.loads(archive.read("data.json"))
    team = data["submissions"][1]
    assert team["stage"] == "Zeitstrahl" and team["co_authors"] == ["Ivan P."]
    assert [v["text"] for v in team["versions"]] == [f"Teil von {MARK}"]
    everything = archive.read("data.json").decode() + archive.read("index.html").decode()
    assert "Часть Ивана" not in everything and "Иван.pdf" not in everything
    assert not [name for name in archive.namelist() if "Иван" in name]
    assert w["ivan_file"].read_bytes() not in [archive.read(name) for name in archive.namelist()]


def test_co_authors_and_partners_hidden_for_lack_of_consent_are_left_out(app, make_school, make_user):
    """Issue 10 item 2: Ivan's parents withdrew their consent to taking part and to the tandem. The site hides him
    from Lena, so her export names him neither as co-author nor as tandem partner, nor as planner of a meeting, nor
    with the topics of a session he logged."""
    from datetime import date

    import sqlalchemy as sa

    from schoolpartners.classes.models import ParentalConsent
    from schoolpartners.sqltypes import utcnow
    from schoolpartners.tandem.models import TandemSession

    w = build(app, make_school, make_user)
    db.session.add(
        TandemSession(
            pair_id=w["pair"].id, held_on=date(2026, 10, 9), minutes_ru=30, topics="Ивановы темы",
            logged_by_id=w["ivan"].id,
        )
    )
    for consent in db.session.scalars(sa.select(ParentalConsent).where(ParentalConsent.student_id == w["ivan"].id)):
        consent.withdrawn_at = utcnow()
    db.session.flush()
    teacher = as_user(app, w["de_teacher"])
    archive = unzip(teacher.get(f"/classes/{w['de_class'].id}/students/{w['lena'].id}/export"))
    data = json.loads(archive.read("data.json"))
    assert data["submissions"][1]["co_authors"] == [] and data["tandem_pairs"][0]["partners"] == []
    assert [m["planned_by"] for m in data["tandem_meetings"]] == [f"Lena {MARK}", None]
    assert [s["topics"] for s in data["tandem_sessions"]] == [f"Hobbys {MARK}", None]
    everything = archive.read("data.json").decode() + archive.read("index.html").decode()
    assert "Ivan" not in everything and "Ивановы темы" not in everything
