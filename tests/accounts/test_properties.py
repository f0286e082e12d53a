"""Property tests: login names match whatever their case; the post-login redirect never leaves the site."""

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from schoolpartners.accounts.models import fold
from schoolpartners.accounts.views import _safe_next

# Latin (with umlauts and ß) and Cyrillic (with ё), as German and Russian users write their names.
ALPHABET = "abcdefghijklmnopqrstuvwxyzäöüßабвгдеёжзийклмнопрстуфхцчшщъыьэюя0123456789.-_@"
names = st.text(alphabet=st.sampled_from(ALPHABET + ALPHABET.upper()), min_size=1, max_size=30)


@given(names)
def test_fold_ignores_case_and_surrounding_space(name):
    assert fold(name.upper()) == fold(name.lower()) == fold(f"  {name}  ") == fold(name)


@given(st.text(max_size=60))
def test_safe_next_stays_on_the_site(app, target):
    with app.test_request_context():
        url = _safe_next(target)
    parts = urlsplit(url)
    assert url.startswith("/") and not url.startswith("//")
    assert not parts.scheme and not parts.netloc
