"""Signals one domain sends and others follow, so that neither imports the other."""

from blinker import Namespace

_signals = Namespace()

# Sent by classes.services.archive_student(student) inside the request's transaction (receivers add and
# flush, never commit): the student has left the school.
student_archived = _signals.signal("student-archived")
