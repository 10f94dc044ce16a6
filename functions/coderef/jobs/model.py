"""CareerCenter job posts: what a post holds, what a valid one is, and how a search matches.

Every check names the field it refuses (InvalidInput with `field`), so the API answers a 400 a
form can put beside the right input. Nothing here does I/O.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from coderef.errors import InvalidInput

ARRANGEMENTS = ("remote", "hybrid", "on-site")
EMPLOYMENT_TYPES = ("full-time", "part-time", "contract", "temporary", "per-diem")
EXPERIENCE_LEVELS = ("entry", "mid", "senior")
SALARY_PERIODS = ("hour", "year")
# AAPC, AHIMA and ACDIS credentials a coding employer asks for.
CREDENTIALS = (
    "CPC",
    "COC",
    "CPC-P",
    "CRC",
    "CPMA",
    "CPB",
    "CIC",
    "CCS",
    "CCS-P",
    "CCA",
    "RHIT",
    "RHIA",
    "CDIP",
    "CCDS",
    "CCDS-O",
)
SPECIALTIES = (
    "inpatient",
    "outpatient",
    "professional fee",
    "risk adjustment",
    "E/M",
    "surgery",
    "emergency",
    "radiology",
    "auditing",
    "CDI",
    "billing",
)
# The 50 states and DC.
US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
).split()


class JobStatus(StrEnum):
    """Where a post is in moderation: only `open` posts are ever listed or shown publicly."""

    PENDING = "pending"
    OPEN = "open"
    REJECTED = "rejected"
    CLOSED = "closed"


PENDING, OPEN, REJECTED, CLOSED = (
    JobStatus.PENDING,
    JobStatus.OPEN,
    JobStatus.REJECTED,
    JobStatus.CLOSED,
)
STATUSES = tuple(JobStatus)

DEFAULT_EXPIRY_DAYS = 60
MAX_EXPIRY_DAYS = 90
REPORTS_TO_REVIEW = 3
HOURS_PER_YEAR = 2080  # for comparing an hourly rate with a yearly minimum

_LIMITS = {
    "title": 120,
    "organization": 120,
    "city": 80,
    "description": 10_000,  # the request body limit is 16 KiB
    "apply": 500,
    "organization_website": 500,
}
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z]{2,}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def iso(moment: datetime) -> str:
    """A UTC moment as text that sorts as it reads (every store keeps these)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class JobDraft:
    """What an employer writes; validated by `validate_draft`."""

    title: str
    organization: str
    organization_website: str
    arrangement: str
    city: str | None
    state: str | None
    employment_type: str
    credentials_required: tuple[str, ...]
    credentials_preferred: tuple[str, ...]
    specialties: tuple[str, ...]
    experience: str
    salary_min: int
    salary_max: int
    salary_period: str
    description: str
    apply: str
    expires_in_days: int


@dataclass(frozen=True)
class JobPost:
    id: str
    employer_id: str
    employer_email: str
    status: JobStatus
    posted_at: str  # when it was submitted; public listing dates use approved_at
    expires_at: str
    title: str
    organization: str
    organization_website: str
    arrangement: str
    city: str | None
    state: str | None
    employment_type: str
    credentials_required: tuple[str, ...]
    credentials_preferred: tuple[str, ...]
    specialties: tuple[str, ...]
    experience: str
    salary_min: int
    salary_max: int
    salary_period: str
    description: str
    apply: str
    approved_at: str | None = None
    reason: str | None = None  # why it was rejected, or sent back to review
    reports: int = 0

    @property
    def credentials(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.credentials_required + self.credentials_preferred))

    @property
    def listed_at(self) -> str:
        return self.approved_at or self.posted_at

    def is_expired(self, now: datetime) -> bool:
        return parse_iso(self.expires_at) <= now

    def is_public(self, now: datetime) -> bool:
        return self.status == OPEN and not self.is_expired(now)

    def yearly_salary_max(self) -> int:
        return self.salary_max * (HOURS_PER_YEAR if self.salary_period == "hour" else 1)

    def search_text(self) -> str:
        return " ".join(
            [
                self.title,
                self.organization,
                self.city or "",
                self.state or "",
                " ".join(self.credentials),
                " ".join(self.specialties),
                self.description,
            ]
        )

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["status"] = str(self.status)
        for name in ("credentials_required", "credentials_preferred", "specialties"):
            record[name] = list(record[name])
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> JobPost:
        known = {f for f in cls.__dataclass_fields__}
        data = {k: v for k, v in record.items() if k in known}
        for name in ("credentials_required", "credentials_preferred", "specialties"):
            data[name] = tuple(data.get(name) or ())
        for name in ("salary_min", "salary_max", "reports"):
            data[name] = int(data.get(name) or 0)
        data["status"] = JobStatus(data["status"])
        return cls(**data)

    def with_draft(self, draft: JobDraft, now: datetime) -> JobPost:
        values = {k: v for k, v in asdict(draft).items() if k != "expires_in_days"}
        values["credentials_required"] = draft.credentials_required
        values["credentials_preferred"] = draft.credentials_preferred
        values["specialties"] = draft.specialties
        return replace(self, **values, expires_at=iso(now + timedelta(days=draft.expires_in_days)))


@dataclass(frozen=True)
class Employer:
    """The organisation of a member's last post, to fill in the next one."""

    organization: str
    organization_website: str


@dataclass(frozen=True)
class JobQuery:
    """A search of open jobs. `q` is matched as words; every other filter must hold."""

    q: str = ""
    arrangement: str | None = None
    state: str | None = None
    credential: str | None = None
    specialty: str | None = None
    salary_min: int | None = None  # yearly; hourly posts count at 2080 hours a year
    posted_within_days: int | None = None
    sort: str = "newest"  # or "best"
    limit: int = 20
    offset: int = 0
    words: tuple[str, ...] = field(default=(), compare=False)

    def accepts(self, job: JobPost, now: datetime) -> bool:
        """Every filter but the words: the same rule for every store."""
        if not job.is_public(now):
            return False
        if self.arrangement and job.arrangement != self.arrangement:
            return False
        if self.state and job.state != self.state:
            return False
        if self.credential and self.credential not in job.credentials:
            return False
        if self.specialty and self.specialty not in job.specialties:
            return False
        if self.salary_min is not None and job.yearly_salary_max() < self.salary_min:
            return False
        if self.posted_within_days is not None:
            since = now - timedelta(days=self.posted_within_days)
            if parse_iso(job.listed_at) < since:
                return False
        return True


def query_words(text: str) -> tuple[str, ...]:
    """The words of a search: letters and digits only, so no operator of any engine leaks in."""
    return tuple(w.lower() for w in re.findall(r"[A-Za-z0-9]+", text or ""))[:12]


def make_query(
    q: str | None = None,
    arrangement: str | None = None,
    state: str | None = None,
    credential: str | None = None,
    specialty: str | None = None,
    salary_min: int | str | None = None,
    posted_within_days: int | str | None = None,
    sort: str | None = None,
    limit: int | str = 20,
    offset: int | str = 0,
) -> JobQuery:
    """A query from what a visitor sent, each filter checked against the known values (numbers
    may come as the text of a URL, as the /jobs page sends them)."""
    text = (q or "").strip()
    if len(text) > 200:
        raise InvalidInput("q: a search is at most 200 characters.", field="q")
    return JobQuery(
        q=text,
        arrangement=_one_of("arrangement", arrangement or None, ARRANGEMENTS),
        state=_state("state", state) if state else None,
        credential=_credential("credential", credential) if credential else None,
        specialty=_one_of("specialty", specialty or None, SPECIALTIES),
        salary_min=_bounded("salary_min", salary_min, 0, 10_000_000),
        posted_within_days=_bounded("posted_within_days", posted_within_days, 1, 365),
        sort=_one_of("sort", sort or None, ("newest", "best")) or "newest",
        limit=_bounded("limit", limit, 1, 50) or 20,
        offset=_bounded("offset", offset, 0, 10_000) or 0,
        words=query_words(text),
    )


# ---- validation ----


def validate_draft(data: dict[str, Any]) -> JobDraft:
    """A draft from what the employer sent, or InvalidInput naming the first bad field."""
    if not isinstance(data, dict):
        raise InvalidInput("The job must be an object.", field="body")
    title = _text(data, "title")
    organization = _text(data, "organization")
    website = _https_url("organization_website", data.get("organization_website"))
    arrangement = _one_of("arrangement", _required(data, "arrangement"), ARRANGEMENTS)
    city = _text(data, "city", required=arrangement != "remote")
    state_raw = data.get("state")
    if arrangement != "remote" and not state_raw:
        raise InvalidInput("state: a hybrid or on-site job needs a US state.", field="state")
    state = _state("state", state_raw) if state_raw else None
    employment_type = _one_of(
        "employment_type", _required(data, "employment_type"), EMPLOYMENT_TYPES
    )
    required = _credentials(data, "credentials_required")
    preferred = _credentials(data, "credentials_preferred")
    specialties = _list_of(data, "specialties", SPECIALTIES)
    experience = _one_of("experience", _required(data, "experience"), EXPERIENCE_LEVELS)
    salary_min = _bounded("salary_min", _required(data, "salary_min"), 1, 10_000_000)
    salary_max = _bounded("salary_max", _required(data, "salary_max"), 1, 10_000_000)
    assert salary_min is not None and salary_max is not None
    if salary_min > salary_max:
        raise InvalidInput(
            "salary_min: the minimum salary is above the maximum.", field="salary_min"
        )
    period = _one_of("salary_period", _required(data, "salary_period"), SALARY_PERIODS)
    description = _text(data, "description")
    apply = _apply(data.get("apply"))
    days = data.get("expires_in_days")
    expires = DEFAULT_EXPIRY_DAYS if days in (None, "") else days
    expires_in_days = _bounded("expires_in_days", expires, 1, MAX_EXPIRY_DAYS)
    assert expires_in_days is not None and arrangement and employment_type and experience
    assert period is not None
    return JobDraft(
        title=title or "",
        organization=organization or "",
        organization_website=website,
        arrangement=arrangement,
        city=city,
        state=state,
        employment_type=employment_type,
        credentials_required=required,
        credentials_preferred=preferred,
        specialties=specialties,
        experience=experience,
        salary_min=salary_min,
        salary_max=salary_max,
        salary_period=period,
        description=description or "",
        apply=apply,
        expires_in_days=expires_in_days,
    )


def _required(data: dict[str, Any], name: str) -> Any:
    value = data.get(name)
    if value is None or value == "":
        raise InvalidInput(f"{name}: this field is required.", field=name)
    return value


def _text(data: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{name}: this field is required.", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: must be text.", field=name)
    value = _CONTROL.sub("", value).strip()
    if len(value) > _LIMITS[name]:
        raise InvalidInput(f"{name}: at most {_LIMITS[name]} characters.", field=name)
    return value


def _one_of(name: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise InvalidInput(f"{name}: must be one of {', '.join(allowed)}.", field=name)
    return str(value)


def _state(name: str, value: Any) -> str:
    text = value.strip().upper() if isinstance(value, str) else value
    if text not in US_STATES:
        raise InvalidInput(f"{name}: not a US state (two letters, e.g. TX).", field=name)
    return str(text)


def _credential(name: str, value: Any) -> str:
    text = value.strip().upper() if isinstance(value, str) else value
    if text not in CREDENTIALS:
        raise InvalidInput(
            f"{name}: unknown credential; known are {', '.join(CREDENTIALS)}.", field=name
        )
    return str(text)


def _credentials(data: dict[str, Any], name: str) -> tuple[str, ...]:
    values = data.get(name) or []
    if not isinstance(values, list) or len(values) > len(CREDENTIALS):
        raise InvalidInput(f"{name}: must be a list of credentials.", field=name)
    return tuple(dict.fromkeys(_credential(name, v) for v in values))


def _list_of(data: dict[str, Any], name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = data.get(name) or []
    if not isinstance(values, list) or len(values) > len(allowed):
        raise InvalidInput(f"{name}: must be a list.", field=name)
    return tuple(dict.fromkeys(_one_of(name, v, allowed) or "" for v in values))


def _bounded(name: str, value: Any, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(f"{name}: must be a whole number.", field=name)
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(f"{name}: must be a whole number.", field=name) from None
    if not low <= number <= high:
        raise InvalidInput(f"{name}: must be between {low} and {high}.", field=name)
    return number


def _https_url(name: str, value: Any) -> str:
    if not value or not isinstance(value, str):
        raise InvalidInput(f"{name}: this field is required.", field=name)
    value = value.strip()
    parts = urlsplit(value)
    if (
        parts.scheme != "https"
        or not parts.hostname
        or "." not in parts.hostname
        or len(value) > _LIMITS.get(name, 500)
        or any(c in value for c in " <>\"'`\\")
    ):
        raise InvalidInput(f"{name}: must be an https:// address.", field=name)
    return value


def _apply(value: Any) -> str:
    """How to apply: an https URL or an email address (shown as a mailto: link)."""
    if not value or not isinstance(value, str):
        raise InvalidInput("apply: this field is required.", field="apply")
    value = value.strip()
    if "@" in value and "://" not in value:
        if not _EMAIL.fullmatch(value) or len(value) > 254:
            raise InvalidInput("apply: not a valid email address.", field="apply")
        return value
    return _https_url("apply", value)


@dataclass(frozen=True)
class JobAlert:
    """A member's saved search: a daily digest of new open jobs matching `filters`."""

    id: str
    member_id: str
    email: str
    filters: dict[str, Any]  # the make_query arguments, as the search URL carries them
    created_at: str
    last_sent_at: str  # jobs listed after this go into the next digest
    unsubscribe_hash: str  # the one-click unsubscribe token, stored as its hash only

    def query(self, limit: int = 20) -> JobQuery:
        filters = {k: v for k, v in self.filters.items() if k in ALERT_FILTERS}
        return make_query(**filters, limit=limit)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> JobAlert:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in record.items() if k in known})


# What a saved search keeps: every filter of the board's search but its order.
ALERT_FILTERS = (
    "q",
    "arrangement",
    "state",
    "credential",
    "specialty",
    "salary_min",
    "posted_within_days",
)


def alert_filters(data: dict[str, Any]) -> dict[str, Any]:
    """The filters of a saved search, checked as a search would check them."""
    if not isinstance(data, dict):
        raise InvalidInput("The saved search must be an object.", field="body")
    filters = {k: data[k] for k in ALERT_FILTERS if data.get(k) not in (None, "")}
    query = make_query(**filters)  # refuses what a search would refuse, naming the field
    clean = {
        "q": query.q,
        "arrangement": query.arrangement,
        "state": query.state,
        "credential": query.credential,
        "specialty": query.specialty,
        "salary_min": query.salary_min,
        "posted_within_days": query.posted_within_days,
    }
    return {k: v for k, v in clean.items() if v not in (None, "")}


def _tokens(text: str) -> list[str]:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return [t.lower() for t in re.findall(r"[A-Za-z0-9]+", plain)]


def word_score(job: JobPost, words: tuple[str, ...]) -> float | None:
    """For a store without a text index: None unless every word starts a word of the post;
    else a score, title hits weighing five times the rest (as the SQLite store's bm25)."""
    if not words:
        return 0.0
    title = _tokens(job.title)
    body = _tokens(job.search_text())
    score = 0.0
    for word in words:
        in_title = sum(1 for t in title if t.startswith(word))
        in_body = sum(1 for t in body if t.startswith(word))
        if not in_body:
            return None
        score += 5 * in_title + in_body
    return score
