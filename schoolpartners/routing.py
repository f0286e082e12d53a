"""URL converters shared by every blueprint."""

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the databases' INTEGER: a larger id names nothing and would overflow the driver


class IdConverter(IntegerConverter):
    """`<int:…>` that matches only ids a row can have, so /pairs/99999999999999999999 is a 404, not a 500."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002  werkzeug's parameter name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before any blueprint adds its rules."""
    app.url_map.converters["int"] = IdConverter
