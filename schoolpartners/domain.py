"""What every domain's services raise on bad input, and the one cleaning of names people give."""

import re

# Control characters (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates: in a name they only
# serve to spoof (a line break inside a plain-text email, text that reads backwards) (finding #28).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class DomainError(Exception):
    """Bad input for an operation: a translated message, and the form field it concerns (if any)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def clean_name(value: str | None) -> str | None:
    """A display or school name as typed, without control characters, on one line with single spaces.

    Used as a form filter (`filters=[clean_name]`) on every field that sets such a name, and by services that
    take names from elsewhere."""
    if value is None:
        return None
    return " ".join(_CONTROL.sub(" ", value).split())
