"""Every upload test runs inside a request in English, so refusals read as the msgids."""

import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def _english_request(app):
    with app.test_request_context(), force_locale("en"):
        yield
