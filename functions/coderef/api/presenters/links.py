"""Where the site shows things: the URLs the API hands to the frontend."""

from __future__ import annotations

from urllib.parse import quote


def code_url(system: str, code: str) -> str:
    return f"/code/{system}/{code}"


def search_url(text: str) -> str:
    # The site's search is its home page with a query; there is no /search page.
    return f"/?q={quote(text)}"


def system_url(system: str) -> str:
    return f"/systems/{system}"


def guideline_url(source: str, section: str) -> str:
    return f"/guidelines/{source}/{section}"
