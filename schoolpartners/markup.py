"""Markdown for posts, comments and submissions: CommonMark without raw HTML, then sanitised by nh3."""

from __future__ import annotations

from functools import lru_cache

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markupsafe import Markup

# Single line breaks count: pupils write comments like chat messages. Images are off so nobody hotlinks
# pictures of others (uploads go through submissions); `![alt](url)` stays a plain link.
_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    .enable(["table", "strikethrough"])
    .disable("image")
)


def _demote_headings(state: StateCore) -> None:
    """# and ## become h3 and h4: the page's own h1 and h2 stay the page's outline."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"


_markdown.core.ruler.push("demote_headings", _demote_headings)

# The second line of defence: whatever the Markdown renderer lets through, only these survive.
_cleaner = nh3.Cleaner(
    tags={"p", "br", "strong", "em", "s", "ul", "ol", "li", "blockquote", "code", "pre", "hr", "a"}
    | {"h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"},
    attributes={"*": set(), "a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}},
    filter_style_properties={"text-align"},  # column alignment in tables, nothing else
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener noreferrer",
)


@lru_cache(maxsize=2048)
def _render(text: str) -> str:
    return _cleaner.clean(_markdown.render(text))


def render_markdown(text: str | None) -> Markup:
    """User-written Markdown as safe HTML (no raw HTML, no images, links only to http, https and mailto).

    The result depends on the text alone, so it is kept per process (a project page shows dozens of texts).
    """
    if not text:
        return Markup("")
    return Markup(_render(text))  # noqa: S704  sanitised by nh3 with an allow-list


def init_app(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
