"""A fake reportable kind for the moderation tests: notifications stand in for posts, a set for the hidden flag."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from schoolpartners.accounts.models import User
from schoolpartners.extensions import db
from schoolpartners.moderation import registry, services
from schoolpartners.notifications.models import Notification
from schoolpartners.notifications.services import notify

SCOPE = "testroom:1"
OTHER_SCOPE = "testroom:2"


class NoteTarget(registry.ReportTarget):
    """Notification rows as reportable "posts": `name` is the text, `room` the scope, the recipient the author."""

    kind = "testnote"
    label = "Test note"

    def __init__(self):
        self.hidden: set[int] = set()
        self.members: set[int] = set()

    def load(self, target_id):
        return db.session.get(Notification, target_id)

    def load_many(self, target_ids):
        notes = db.session.scalars(sa.select(Notification).where(Notification.id.in_(list(target_ids))))
        return {note.id: note for note in notes}

    def scope_of(self, note):
        return note.params.get("room", SCOPE)

    def author_of(self, note):
        return db.session.get(User, note.user_id)

    def excerpt(self, note):
        return note.params["name"]

    def link(self, note):
        return f"/notifications#note-{note.id}"

    def can_report(self, note, user):
        return user.id in self.members

    def hide(self, note, by):
        self.hidden.add(note.id)

    def restore(self, note, by):
        self.hidden.discard(note.id)

    def is_hidden(self, note):
        return note.id in self.hidden


@pytest.fixture
def target():
    """The "testnote" kind, registered for one test, with its rooms: scope → ids of the staff who moderate it."""
    note_target = NoteTarget()
    note_target.rooms = {SCOPE: [], OTHER_SCOPE: []}

    def scopes_for_user(user):
        return {scope for scope, ids in note_target.rooms.items() if user.id in ids}

    def moderators_of_scope(scope):
        ids = note_target.rooms.get(scope, [])
        return list(db.session.scalars(sa.select(User).where(User.id.in_(ids))))

    registry.register(note_target)
    resolver = registry.register_scopes(scopes_for_user, moderators_of_scope)
    yield note_target
    registry.unregister(note_target.kind)
    registry.unregister_scopes(resolver)


@pytest.fixture
def world(target, make_user, make_school):
    """A room moderated by `teacher`; `author` wrote `note`, `reporter` and `classmate` may report it.

    `outsider` moderates another room. Everyone reads English, so flashed messages are English too.
    """
    school = make_school()
    people = {
        "teacher": make_user("teacher", school=school, locale="en", display_name="Frau Berg"),
        "outsider": make_user("teacher", locale="en", display_name="Herr Fremd"),
        "coordinator": make_user("coordinator", locale="en", display_name="Koordinatorin"),
        "author": make_user("student", school=school, locale="en", display_name="Max Autor"),
        "reporter": make_user("student", school=school, locale="en", display_name="Lena Melder"),
        "classmate": make_user("student", school=school, locale="en", display_name="Ivan Zweiter"),
    }
    target.rooms[SCOPE].append(people["teacher"].id)
    target.rooms[OTHER_SCOPE].append(people["outsider"].id)
    target.members |= {people[k].id for k in ("author", "reporter", "classmate", "teacher")}
    people["note"] = write_note(people["author"], "You are all stupid")
    return people


def write_note(author, text, room=SCOPE):
    return notify(author, "welcome", email=False, name=text, room=room)


@pytest.fixture
def make_report(app):
    """make_report(note, reporter, reason): a report made through the service, as the view does."""

    def make(note, reporter, reason="Insults a classmate"):
        with app.test_request_context():
            report = services.report("testnote", note.id, reporter, reason)
        db.session.flush()
        return report

    return make
