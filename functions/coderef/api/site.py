"""The public site: pages rendered from frontend/templates (one base layout) and the static
assets named by their content hash.

The same `Site` renders a page for `coderef serve` (api/pages.py, per request) and for
`coderef publish` (publish.py, every page to files for S3), so the HTML a reader gets locally
and on AWS is one and the same. Only the public part of a code page is here (code, title, kind,
billable status, breadcrumb, the codes under it with their titles, release and source); the
metered sections still come from the API after the page loads.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from coderef.catalog.codes import SYSTEMS
from coderef.catalog.records import CodeRecord

# Pages with nothing of their own to render: template name -> address.
STATIC_PAGES = {
    "index": "/",
    "login": "/login",
    "register": "/register",
    "forgot-password": "/forgot-password",
    "reset-password": "/reset-password",
    "confirm-email": "/confirm-email",
    "account": "/account",
    "assistant": "/assistant",
    "case2code": "/case2code",
    "consultant": "/consultant",
}

KIND_LABELS = {
    "chapter": "Chapter",
    "block": "Block",
    "category": "Category",
    "subcategory": "Subcategory",
    "code": "Code",
    "section": "Section",
    "body_system": "Body system",
    "table": "Table",
    "modifier": "Modifier",
}
# Grouping levels are never reported on a claim, so "not billable" would say nothing there.
GROUP_KINDS = frozenset({"chapter", "block", "section", "body_system", "table"})

# Content-hashed assets never change under their name; pages are short-lived so a data load or
# a new release of the site shows within minutes. CloudFront gets the same values (publish.py).
IMMUTABLE = "public, max-age=31536000, immutable"
HTML_CACHE = "public, max-age=300"
SITEMAP_URLS = 50_000  # the sitemap protocol's limit per file
# Open jobs change by the minute: their sitemap part is rendered per request (api/job_pages.py).
JOBS_SITEMAP = "sitemaps/jobs.xml"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}

_RELATIVE_IMPORT = re.compile(r"""(['"])\./([\w-]+\.js)\1""")


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def release_warning(release: dict[str, Any], date_problem: str | None) -> dict[str, Any] | None:
    """The page's "Release in force" note, in the words code.js uses: the release's warnings
    (a `command` in backticks shown as code), or why the date asked for was not used."""
    if date_problem:
        return {
            "lead": "Not the date asked.",
            "shows": "This page shows today's release.",
            "lines": [[(date_problem, False)]],
            "dated": True,
        }
    warnings = release.get("warnings") or []
    if not warnings:
        return None
    lead = (
        "Not the release in force today."
        if release.get("in_force_today") is False
        else "Not the date asked."
    )
    return {
        "lead": lead,
        "shows": f"This page shows the {release['name']}." if release.get("name") else "",
        "lines": [
            [(part, i % 2 == 1) for i, part in enumerate(w.split("`")) if part] for w in warnings
        ],
        "dated": bool(release.get("asked_date")),
    }


def code_url(system: str, code: str) -> str:
    return f"/code/{quote(system, safe='')}/{quote(code, safe='')}"


class Assets:
    """The stylesheet, icon and ES modules under content-hashed names (`js/code.1a2b3c4d5e.js`).

    A module's hash covers the hashed names of the modules it imports, so changing `dom.js`
    renames every module that imports it and no reader ever mixes old and new code."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._stamp: tuple = ()
        self._scan()

    def _sources(self) -> list[Path]:
        return sorted(
            p
            for p in [
                *self.root.glob("*.css"),
                *self.root.glob("*.svg"),
                *self.root.glob("js/*.js"),
            ]
            if p.is_file()
        )

    def _scan(self) -> None:
        sources = self._sources()
        self._stamp = tuple((p, p.stat().st_mtime_ns) for p in sources)
        raw = {p.relative_to(self.root).as_posix(): p.read_bytes() for p in sources}
        self.urls: dict[str, str] = {}
        self.files: dict[str, bytes] = {}

        def hashed(name: str, seen: tuple[str, ...] = ()) -> str:
            if name in self.urls:
                return self.urls[name]
            body = raw[name]
            if name.endswith(".js"):
                folder = name.rsplit("/", 1)[0]

                def rename(m: re.Match) -> str:
                    target = f"{folder}/{m.group(2)}"
                    if target not in raw or target in seen:
                        return m.group(0)
                    renamed = hashed(target, (*seen, name)).rsplit("/", 1)[1]
                    return f"{m.group(1)}./{renamed}{m.group(1)}"

                body = _RELATIVE_IMPORT.sub(rename, body.decode("utf-8")).encode("utf-8")
            digest = hashlib.sha256(body).hexdigest()[:10]
            stem, _, ext = name.rpartition(".")
            path = f"{stem}.{digest}.{ext}"
            self.files[path] = body
            self.urls[name] = "/" + path
            return self.urls[name]

        for name in raw:
            hashed(name)

    def refresh(self) -> None:
        """Re-read the files when one changed (local editing); a stat per file otherwise."""
        current = tuple((p, p.stat().st_mtime_ns) for p in self._sources())
        if current != self._stamp:
            self._scan()

    def url(self, name: str) -> str:
        return self.urls[name]

    def get(self, path: str) -> bytes | None:
        """The body of a hashed asset path (no leading slash), or None."""
        return self.files.get(path)


@dataclass(frozen=True)
class SitemapPart:
    name: str  # e.g. "sitemaps/icd10cm-1.xml"
    paths: Sequence[str]


class Site:
    def __init__(self, frontend_dir: Path, public_url: str, reload: bool = True) -> None:
        """`reload`: pick up edited templates (serving while developing); publish turns it
        off, so a run renders every page from one version of the templates."""
        self.root = frontend_dir
        self.public_url = public_url.rstrip("/")
        self.assets = Assets(frontend_dir)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(frontend_dir / "templates"),
            auto_reload=reload,
            autoescape=jinja2.select_autoescape(("html", "xml")),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        self.env.globals["asset"] = self.assets.url

    def _render(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(**context)

    def page(self, name: str) -> str:
        """One of STATIC_PAGES, or "404"."""
        return self._render(f"pages/{name}.html")

    def code_page(
        self,
        record: CodeRecord,
        children: Iterable[CodeRecord],
        release: dict[str, Any],
        notice: str | None,
        date_problem: str | None = None,
    ) -> str:
        """A code's public page; `release` with its standing (code_release_body) when a date
        of service was asked, whose warnings the page then shows as the script would."""
        view = self.code_view(record, children, release, notice)
        view["warning"] = release_warning(release, date_problem)
        return self._render("pages/code.html", page=view)

    # ---- job pages (api/job_pages.py): rendered per request, never published ----

    def job_page(self, job: dict[str, Any]) -> str:
        """An open job (presenters/jobs.py `job_page_view`)."""
        return self._render("pages/job.html", job=job)

    def jobs_page(self, search: dict[str, Any]) -> str:
        """/jobs with its results (presenters/jobs.py `job_search_view`)."""
        return self._render("pages/jobs.html", search=search)

    def job_gone(self, job_id: str, similar: Iterable[dict[str, Any]]) -> str:
        """The 410 page of an expired or closed job, with similar open jobs."""
        return self._render("pages/job-gone.html", job_id=job_id, similar=list(similar))

    def job_not_found(self, job_id: str) -> str:
        """The 404 page of an id no visitor may see (unknown, pending or rejected)."""
        return self._render("pages/job-not-found.html", job_id=job_id)

    def code_not_found(self, message: str, suggestions: Iterable[dict[str, Any]]) -> str:
        near = [
            {**s, "url": code_url(s.get("system", ""), s["code"])}
            for s in suggestions
            if s.get("code") and s.get("system")
        ]
        return self._render("pages/code-not-found.html", message=message, suggestions=near)

    def code_view(
        self,
        record: CodeRecord,
        children: Iterable[CodeRecord],
        release: dict[str, Any],
        notice: str | None,
    ) -> dict[str, Any]:
        system_name = SYSTEMS[record.system].name
        url = code_url(record.system, record.code)
        canonical = self.public_url + url
        kind_label = KIND_LABELS.get(record.kind, record.kind.replace("_", " ").capitalize())
        if record.kind in GROUP_KINDS:
            badges = [kind_label]
        else:
            badges = ["Billable" if record.billable else "Not billable"]
        summary = _summary_text(record, system_name, kind_label)
        return {
            "system": record.system,
            "system_name": system_name,
            "code": record.code,
            "title": record.title,
            "kind": record.kind,
            "kind_label": kind_label,
            "billable": record.billable,
            "badges": badges,
            # A tree page (a grouping, or a code with codes under it) is browsed for free; its
            # full page opens only when asked for. A code with nothing under it opens at once.
            "tree": bool(record.children) and not record.billable,
            "url": url,
            "canonical": canonical,
            "summary_text": summary,
            "ancestors": [
                {
                    "code": a.code,
                    "title": a.title,
                    "kind": a.kind,
                    "url": code_url(record.system, a.code),
                }
                for a in record.ancestors
            ],
            "children": [
                {
                    "code": c.code,
                    "title": c.title,
                    # A 7th-character code repeats its stem's title: show what it adds.
                    "short": _after_prefix(c.title, record.title + ", "),
                    "billable": c.billable,
                    "kind": c.kind,
                    "url": code_url(record.system, c.code),
                }
                for c in children
            ],
            "release": release,
            "notice": notice,
            "json_ld": {
                "@context": "https://schema.org",
                "@type": "WebPage",
                "name": f"{record.code} {record.title}",
                "description": summary,
                "url": canonical,
                "isAccessibleForFree": False,
                "about": {
                    "@type": "MedicalCode",
                    "codeValue": record.code,
                    "codingSystem": system_name,
                    "name": record.title,
                },
                "hasPart": [
                    {
                        "@type": "WebPageElement",
                        "isAccessibleForFree": False,
                        "cssSelector": ".paywalled",
                    }
                ],
            },
        }

    # ---- sitemaps and robots.txt ----

    def sitemap_parts(self, codes_by_system: dict[str, list[str]]) -> list[SitemapPart]:
        """Code page paths split into files of at most SITEMAP_URLS, per system."""
        parts = [SitemapPart("sitemaps/pages.xml", ["/"])]
        for system, codes in sorted(codes_by_system.items()):
            for n, start in enumerate(range(0, len(codes), SITEMAP_URLS), start=1):
                chunk = codes[start : start + SITEMAP_URLS]
                parts.append(
                    SitemapPart(
                        f"sitemaps/{system}-{n}.xml", [code_url(system, code) for code in chunk]
                    )
                )
        return parts

    def sitemap_index(self, parts: Iterable[SitemapPart], lastmod: str | None = None) -> str:
        """The index of the code page parts, and of the open jobs' part (always listed: it is
        rendered per request with the job pages, never published)."""
        locs = [{"loc": f"{self.public_url}/{p.name}", "lastmod": lastmod} for p in parts]
        locs.append({"loc": f"{self.public_url}/{JOBS_SITEMAP}", "lastmod": None})
        return self._render("sitemap-index.xml", parts=locs)

    def job_sitemap(self, pages: Iterable[tuple[str, str]]) -> str:
        """The open jobs' addresses, as (path, date listed)."""
        return self._render(
            "sitemap.xml",
            urls=[{"loc": self.public_url + path, "lastmod": day} for path, day in pages],
        )

    def sitemap(self, part: SitemapPart, lastmod: str | None = None) -> str:
        return self._render(
            "sitemap.xml",
            urls=[{"loc": self.public_url + path, "lastmod": lastmod} for path in part.paths],
        )

    def robots(self) -> str:
        return self._render("robots.txt", sitemap_url=f"{self.public_url}/sitemap.xml")


def _after_prefix(text: str, prefix: str) -> str | None:
    return text[len(prefix) :] if text.startswith(prefix) and len(text) > len(prefix) else None


def _summary_text(record: CodeRecord, system_name: str, kind_label: str) -> str:
    """The meta description: what the code is, whether it is billable, what it sits in."""
    status = ""
    if record.kind in ("code", "category", "subcategory"):
        status = " Billable." if record.billable else " Not billable on its own."
    parent = record.ancestors[-1] if record.ancestors else None
    within = f" Within {parent.code} {parent.title}." if parent else ""
    return f"{system_name} {kind_label.lower()} {record.code}: {record.title}.{status}{within}"


def copy_site(frontend_dir: Path, out: Path) -> int:
    """The templates, stylesheet, icon and modules a function needs to render pages (the
    SiteLayer's build); returns how many files were copied."""
    import shutil

    count = 0
    for source in sorted(frontend_dir.rglob("*")):
        relative = source.relative_to(frontend_dir)
        if not source.is_file() or relative.suffix not in (
            ".html",
            ".xml",
            ".txt",
            ".css",
            ".svg",
            ".js",
        ):
            continue
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        count += 1
    return count


if __name__ == "__main__":
    import sys

    from coderef.settings import Settings

    folder = Settings.from_env({}).frontend_dir
    if folder is None or len(sys.argv) != 2:
        sys.exit("usage: python -m coderef.api.site OUTPUT (run from a checkout with frontend/)")
    print(f"copied {copy_site(folder, Path(sys.argv[1]))} files of {folder}")
