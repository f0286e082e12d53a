"""Finding #19: the vocabulary CSV goes through the shared writer, so a formula after a `;` stays text."""

import csv
import io


def test_formula_after_a_semicolon_is_guarded_in_the_vocabulary_csv(client, login, world, live_pair):
    """Finding #19: `x;=1+2` was written raw; German Excel splits at `;` and ran `=1+2`. Now one guarded cell."""
    login(world["german"][0])
    client.post(
        f"/tandem/pairs/{live_pair.id}/vocabulary",
        data={"word": "x;=1+2", "translation": '=HYPERLINK("https://evil.example")', "example": "a\n@b"},
    )
    body = client.get(f"/tandem/pairs/{live_pair.id}/vocabulary.csv?lang=en").get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0] == ["Word", "Translation", "Example sentence", "Added by"]
    assert rows[1][:3] == ["'x;=1+2", '\'=HYPERLINK("https://evil.example")', "'a\n@b"]
