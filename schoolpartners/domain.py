"""What every domain's services raise on bad input."""


class DomainError(Exception):
    """Bad input for an operation: a translated message, and the form field it concerns (if any)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field
