"""Families' own data (Issue 10 item 6): a pupil's data export, deletion on the family's request and by the
retention purge, and deleting a staff account while keeping what belongs to another school's record.

No blueprint of its own: the routes live with the pages they belong to (classes/students.py for teachers,
accounts/deletion_views.py for the account pages).
"""

from . import models  # noqa: F401  the deletion record's table belongs to the metadata from the start
