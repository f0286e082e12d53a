"""Signals one domain sends and others follow, so that neither imports the other."""

from blinker import Namespace

_signals = Namespace()

# Sent by classes.services.archive_student(student) inside the request's transaction (receivers add and
# flush, never commit): the student has left the school.
student_archived = _signals.signal("student-archived")

# Sent by classes.services.withdraw_consent(consent, by) inside the request's transaction, after the withdrawal,
# when the student now lacks the scope (receivers add and flush, never commit): tandem pauses the student's pairs,
# projects take them out of mixed teams, each telling the teachers of both classes.
consent_withdrawn = _signals.signal("consent-withdrawn")
