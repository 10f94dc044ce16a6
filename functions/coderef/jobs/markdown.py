"""Job descriptions: Markdown to HTML, then sanitised, so no script or handler survives."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML off: Markdown's own constructs only; nh3 then keeps a small allow-list anyway.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "blockquote", "code", "a"}


def render_markdown(text: str) -> str:
    html = _MD.render(text or "")
    # Headings an employer writes sit below the page's own h1/h2.
    for level, to in (("h1", "h3"), ("h2", "h3"), ("h5", "h4"), ("h6", "h4")):
        html = html.replace(f"<{level}>", f"<{to}>").replace(f"</{level}>", f"</{to}>")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
