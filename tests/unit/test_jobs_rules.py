"""CareerCenter's core rules without HTTP: the package's boundaries, Markdown made safe, and
the validation a form relies on."""

import ast
from html.parser import HTMLParser
from pathlib import Path

import pytest

from coderef.errors import InvalidInput
from coderef.jobs.markdown import render_markdown
from coderef.jobs.model import make_query, validate_draft

JOBS = Path(__file__).resolve().parents[2] / "functions" / "coderef" / "jobs"


def test_the_jobs_core_imports_no_adapter_api_handler_boto3_or_fastapi():
    forbidden = ("coderef.adapters", "coderef.api", "coderef.handlers", "boto3", "fastapi")
    for source in JOBS.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.startswith(forbidden)], source.name


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        '<a href="https://e.org" onclick="alert(1)">e</a>',
        "![i](https://e.org/i.png)",
    ],
)
def test_markdown_keeps_no_script_handler_image_or_script_link(text):
    # Parsed as a browser would: what is left is elements from the allow-list, no handler
    # attribute, and links to https only (the rest is text, shown as typed).
    found: list[tuple[str, dict]] = []

    class Elements(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Elements().feed(render_markdown(text))
    for tag, attrs in found:
        assert tag in {"p", "a", "strong", "em"}, tag
        assert not [name for name in attrs if name.startswith("on")]
        assert attrs.get("href", "https://").startswith("https://")


def test_markdown_keeps_emphasis_lists_and_https_links_with_nofollow():
    html = render_markdown("**Bold** and [site](https://e.org)\n\n- one\n- two\n\n# Big")
    assert "<strong>Bold</strong>" in html and "<li>one</li>" in html
    assert 'href="https://e.org"' in html and "nofollow" in html
    assert "<h3>Big</h3>" in html  # below the page's own headings


def test_a_remote_job_needs_no_city_and_the_expiry_defaults_to_60_days():
    draft = validate_draft(
        {
            "title": "Coder",
            "organization": "Org",
            "organization_website": "https://org.example",
            "arrangement": "remote",
            "employment_type": "contract",
            "experience": "entry",
            "salary_min": "20",
            "salary_max": "25",
            "salary_period": "hour",
            "description": "d",
            "apply": "jobs@org.example",
            "credentials_required": ["cpc"],
        }
    )
    assert draft.city is None and draft.expires_in_days == 60
    assert draft.credentials_required == ("CPC",) and draft.apply == "jobs@org.example"


def test_search_filters_are_checked_and_name_the_filter():
    with pytest.raises(InvalidInput) as caught:
        make_query(posted_within_days=0)
    assert caught.value.details["field"] == "posted_within_days"
    assert make_query(q="E/M coder's (remote)").words == ("e", "m", "coder", "s", "remote")
