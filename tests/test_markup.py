"""Markdown in posts, comments and submissions: what renders, and what is neutralised."""

from html.parser import HTMLParser

import pytest
from flask import Flask
from markupsafe import Markup

from schoolpartners.markup import init_app, render_markdown


class _Elements(HTMLParser):
    """The tags and attributes a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend(attrs)


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Hallo <script>alert(1)</script> Welt",
        "<img src=x onerror=alert(1)>",
        '<a href="https://example.org" onclick="alert(1)">x</a>',
        '<div style="position:fixed">raw</div>',
        "<iframe src=https://example.org></iframe>",
    ],
)
def test_raw_html_is_shown_as_text(text):
    html = str(render_markdown(text))
    assert _Elements(html).tags == {"p"}
    assert "&lt;" in html  # the pupil sees what they typed


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "<javascript:alert(1)>",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](data:image/png;base64,AAAA)",
    ],
)
def test_dangerous_link_schemes_lose_their_target(text):
    elements = _Elements(str(render_markdown(text)))
    assert "href" not in dict(elements.attributes)


def test_event_handler_attributes_never_survive():
    html = str(render_markdown('**x** <b onerror="alert(1)">y</b> [z](https://example.org "t\\" onerror=\\"alert(1)")'))
    elements = _Elements(html)
    assert {name for name, _ in elements.attributes} == {"href", "title", "rel"}
    assert elements.tags == {"p", "strong", "a"}


def test_images_become_links_not_embeds():
    html = str(render_markdown("![Foto](https://example.org/foto.jpg)"))
    assert "<img" not in html
    assert 'href="https://example.org/foto.jpg"' in html


def test_markdown_renders():
    html = str(
        render_markdown(
            "*kursiv* und **fett**\n\n- eins\n- zwei\n\n1. erstens\n2. zweitens\n\n"
            "`code` und [Link](https://example.org/a?b=1&c=2)\n\n```\nx = 1 < 2\n```\n\n> Zitat"
        )
    )
    assert "<em>kursiv</em>" in html
    assert "<strong>fett</strong>" in html
    assert "<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>" in html
    assert "<ol>\n<li>erstens</li>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">Link</a>' in html
    assert "<pre><code>x = 1 &lt; 2\n</code></pre>" in html
    assert "<blockquote>\n<p>Zitat</p>\n</blockquote>" in html


def test_mailto_links_and_line_breaks():
    html = str(render_markdown("Schreib mir:\n<mailto:anna@example.org>"))
    assert '<a href="mailto:anna@example.org" rel="nofollow noopener noreferrer">' in html
    assert "Schreib mir:<br>" in html


def test_headings_are_demoted_below_the_page_headings():
    html = str(render_markdown("# Eins\n\n## Zwei\n\n### Drei\n\n###### Sechs"))
    assert "<h1" not in html and "<h2" not in html
    assert "<h3>Eins</h3>" in html
    assert "<h4>Zwei</h4>" in html
    assert "<h5>Drei</h5>" in html
    assert "<h6>Sechs</h6>" in html


def test_tables_keep_alignment_only():
    html = str(render_markdown("| Stadt | Einwohner |\n|---|--:|\n| Kasan | 1 300 000 |"))
    assert "<table>" in html
    assert "<th>Stadt</th>" in html
    assert '<td style="text-align:right">1 300 000</td>' in html


def test_cyrillic_text_is_unchanged():
    text = "Привет из Казани! Ёлка, «кавычки» — и тире."
    assert str(render_markdown(text)) == f"<p>{text}</p>\n"


@pytest.mark.parametrize("text", ["", None])
def test_empty_input_gives_empty_markup(text):
    result = render_markdown(text)
    assert isinstance(result, Markup)
    assert result == ""


def test_filter_output_is_not_escaped_again():
    app = Flask(__name__)
    init_app(app)
    with app.app_context():
        html = app.jinja_env.from_string("{{ text|markdown }}").render(text="**fett** <b>")
    assert "<strong>fett</strong>" in html
    assert "&lt;b&gt;" in html
    assert "&amp;lt;" not in html
