"""`coderef publish`: every page of the site as files, for S3 and CloudFront.

The pages are the ones `coderef serve` renders (api/site.py, the same templates): the static
pages, one page per live code (chapters, blocks and categories included), the not-found page,
the content-hashed assets, the sitemap index and its parts, and robots.txt. Job pages are
rendered by JobsFunction per request (api/job_pages.py) and cached by CloudFront. Code pages are
keyed `code/{system}/{code}.html`; the CloudFront Function maps `/code/icd10cm/R00.1` to it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from coderef.api.presenters.catalog import release_body
from coderef.api.site import HTML_CACHE, IMMUTABLE, STATIC_PAGES, Site
from coderef.catalog.notices import licence_notice
from coderef.catalog.ports import CodeCatalog
from coderef.catalog.records import CodeRecord

# Keys the publisher owns and may delete when a release no longer has them. Old assets stay:
# a page cached anywhere may still name them.
OWNED_PREFIXES = ("code/", "sitemaps/")


@dataclass(frozen=True)
class SiteFile:
    key: str  # the S3 key / the path under --out
    body: bytes
    cache_control: str

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body, usedforsecurity=False).hexdigest()


@dataclass
class PublishReport:
    pages: int = 0
    files: int = 0
    bytes: int = 0
    uploaded: int = 0
    unchanged: int = 0
    deleted: int = 0
    seconds: float = 0.0
    keys: set[str] = field(default_factory=set, repr=False)

    def line(self) -> str:
        text = (
            f"{self.files} files ({self.pages} pages), {self.bytes / 1e6:.1f} MB,"
            f" in {self.seconds:.1f} s"
        )
        if self.uploaded or self.unchanged or self.deleted:
            text += (
                f"; uploaded {self.uploaded}, unchanged {self.unchanged}, deleted {self.deleted}"
            )
        return text


def _code_key(record: CodeRecord) -> str:
    return f"code/{record.system}/{record.code}.html"


def site_files(
    site: Site, catalog: CodeCatalog, cpt_notice: str | None = None
) -> Iterator[SiteFile]:
    """Every file of the site. Two passes over the live records: the first keeps each code's
    title and billable flag (for the lists of codes under another), the second renders."""
    # Job pages are not here: a post is approved, closed or expires between two publishes and
    # must then answer 200, 410 or 404 at once, which only a function can (api/job_pages.py).
    for name in [*STATIC_PAGES, "404"]:
        yield SiteFile(f"{name}.html", site.page(name).encode(), HTML_CACHE)
    for path, body in sorted(site.assets.files.items()):
        yield SiteFile(path, body, IMMUTABLE)

    briefs: dict[tuple[str, str], CodeRecord] = {}
    codes: dict[str, list[str]] = {}
    for record in catalog.iter_live():
        briefs[(record.system, record.key)] = CodeRecord(
            system=record.system,
            code=record.code,
            key=record.key,
            kind=record.kind,
            billable=record.billable,
            title=record.title,
            description="",
            release=record.release,
        )
        codes.setdefault(record.system, []).append(record.code)

    releases = {r.id: release_body(r, r.id) for r in catalog.all_releases()}
    for record in catalog.iter_live():
        children = [
            briefs[(record.system, k)] for k in record.children if (record.system, k) in briefs
        ]
        page = site.code_page(
            record,
            children,
            releases.get(record.release) or release_body(None, record.release),
            licence_notice(record, cpt_notice),
        )
        yield SiteFile(_code_key(record), page.encode(), HTML_CACHE)

    parts = site.sitemap_parts(codes)
    lastmod = time.strftime("%Y-%m-%d", time.gmtime())
    yield SiteFile("sitemap.xml", site.sitemap_index(parts, lastmod).encode(), HTML_CACHE)
    for part in parts:
        yield SiteFile(part.name, site.sitemap(part).encode(), HTML_CACHE)
    yield SiteFile("robots.txt", site.robots().encode(), HTML_CACHE)


def _count(report: PublishReport, file: SiteFile) -> None:
    report.files += 1
    report.bytes += len(file.body)
    report.keys.add(file.key)
    if file.key.endswith(".html"):
        report.pages += 1


def publish_to_dir(files: Iterator[SiteFile], out: Path) -> PublishReport:
    started = time.perf_counter()
    report = PublishReport()
    out.mkdir(parents=True, exist_ok=True)
    made: set[Path] = set()
    for file in files:
        target = out / file.key
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(file.body)
        _count(report, file)
    report.seconds = time.perf_counter() - started
    return report


class Bucket(Protocol):
    """What publishing needs of a bucket (adapters/s3_site.py implements it on S3)."""

    def etags(self) -> dict[str, str]:
        """Every stored key with the MD5 (hex) of its body."""

    def put(self, file: SiteFile) -> None: ...

    def delete(self, keys: list[str]) -> None: ...


def publish_to_bucket(
    files: Iterator[SiteFile], bucket: Bucket, workers: int = 16
) -> PublishReport:
    """Upload what changed (by content hash), then delete code pages and sitemap parts the live
    releases no longer have. Uploads run on a few threads, with a bounded number in flight."""
    started = time.perf_counter()
    report = PublishReport()
    stored = bucket.etags()
    in_flight = threading.BoundedSemaphore(workers * 4)
    failures: list[BaseException] = []

    def upload(file: SiteFile) -> None:
        try:
            bucket.put(file)
        except BaseException as exc:  # reported after the pool drains
            failures.append(exc)
        finally:
            in_flight.release()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for file in files:
            _count(report, file)
            if stored.get(file.key) == file.md5:
                report.unchanged += 1
                continue
            if failures:
                break
            report.uploaded += 1
            in_flight.acquire()
            pool.submit(upload, file)
    if failures:
        raise failures[0]
    stale = sorted(
        key for key in stored if key.startswith(OWNED_PREFIXES) and key not in report.keys
    )
    if stale:
        bucket.delete(stale)
    report.deleted = len(stale)
    report.seconds = time.perf_counter() - started
    return report
