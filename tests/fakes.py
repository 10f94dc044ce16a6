"""In-memory fakes of the core's ports, for unit tests that run in milliseconds.

They keep the stores' semantics (the contract suites in tests/contract run against them too):
each decision the real stores make with one conditional write is made here under one lock,
records come back as copies, and the same domain errors are raised.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from coderef.accounts.model import (
    Meter,
    SessionCheck,
    Unlocked,
    UnlockedPage,
    User,
    WindowCount,
    parse_unlocked_cursor,
    unlocked_cursor,
)
from coderef.catalog.records import CodeRecord, Release, ReleaseDelta
from coderef.catalog.releases import fingerprint
from coderef.errors import (
    EmailTaken,
    MeterClosed,
    NotSignedIn,
    ReleaseNotFound,
    ViewLimitReached,
    WindowFull,
)

Progress = Callable[[int, int], None]


# -- catalog -----------------------------------------------------------------------------------


class FakeCatalog:
    """CodeCatalog and CatalogLoader in memory: records by release, one live release a system."""

    def __init__(self) -> None:
        self._records: dict[str, dict[str, CodeRecord]] = {}  # release id -> key -> record
        self._releases: dict[str, Release] = {}
        self.reads = 0  # calls that would be a round trip to the store

    # loading
    def load_release(
        self, release: Release, records: list[CodeRecord], progress: Progress | None = None
    ) -> None:
        # Built aside and swapped in whole: a failure part-way leaves nothing visible.
        staged = {r.key: copy.deepcopy(r) for r in records}
        if progress:
            progress(len(records), len(records))
        live = self._live(release.system)
        make_live = (
            live is None or live.id == release.id or release.effective_from >= live.effective_from
        )
        if make_live:
            self._set_live_flags(release.system, None)
        self._records[release.id] = staged
        self._releases[release.id] = replace(release, live=make_live, record_count=len(records))

    def set_live(self, release_id: str) -> Release:
        release = self._releases.get(release_id)
        if release is None:
            raise ReleaseNotFound(f"No release '{release_id[:40]}' is loaded.")
        self._set_live_flags(release.system, release_id)
        return self._releases[release_id]

    def _set_live_flags(self, system: str, live_id: str | None) -> None:
        for rid, r in list(self._releases.items()):
            if r.system == system:
                self._releases[rid] = replace(r, live=rid == live_id)

    def _live(self, system: str) -> Release | None:
        return next((r for r in self._releases.values() if r.system == system and r.live), None)

    def _release_id(self, system: str, release: str | None) -> str | None:
        if release is not None:
            return release
        live = self._live(system)
        return live.id if live else None

    # reading
    def get(self, system: str, key: str, release: str | None = None) -> CodeRecord | None:
        self.reads += 1
        found = self._records.get(self._release_id(system, release) or "", {}).get(key)
        return copy.deepcopy(found) if found and found.system == system else None

    def get_many(
        self, system: str, keys: Iterable[str], release: str | None = None
    ) -> dict[str, CodeRecord]:
        self.reads += 1
        records = self._records.get(self._release_id(system, release) or "", {})
        return {
            k: copy.deepcopy(records[k])
            for k in dict.fromkeys(keys)
            if k in records and records[k].system == system
        }

    def releases(self) -> list[Release]:
        self.reads += 1
        return sorted((r for r in self._releases.values() if r.live), key=lambda r: r.system)

    def all_releases(self, system: str | None = None) -> list[Release]:
        self.reads += 1
        found = [r for r in self._releases.values() if system is None or r.system == system]
        return sorted(found, key=lambda r: (r.system, r.effective_from, r.id))

    def versions(self, system: str, key: str) -> dict[str, CodeRecord]:
        self.reads += 1
        return {
            rid: copy.deepcopy(self._records[rid][key])
            for rid, r in self._releases.items()
            if r.system == system and key in self._records.get(rid, {})
        }

    def compare_releases(self, before: str, after: str) -> ReleaseDelta:
        old, new = self._records.get(before, {}), self._records.get(after, {})
        return ReleaseDelta(
            added=sorted(new.keys() - old.keys()),
            deleted=sorted(old.keys() - new.keys()),
            changed=sorted(
                k for k in old.keys() & new.keys() if fingerprint(old[k]) != fingerprint(new[k])
            ),
        )

    def iter_live(self) -> Iterable[CodeRecord]:
        for release in self.releases():
            yield from (copy.deepcopy(r) for r in self._records[release.id].values())


# -- accounts ----------------------------------------------------------------------------------


@dataclass
class _MeterRow:
    remaining: int
    plan: str
    closed: bool = False
    unlocked: dict[tuple[str, str], str] = field(default_factory=dict)  # (system, key) -> when


class FakeAccounts:
    """accounts.ports.Accounts in memory, with the stores' conditional semantics: every
    decision happens under one lock, as the stores make it in one guarded write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, tuple[User, str]] = {}  # id -> (user, password hash)
        self._emails: dict[str, str] = {}  # email -> user id
        self._meters: dict[str, _MeterRow] = {}
        self._sessions: dict[str, tuple[str, int]] = {}  # token hash -> (user id, expires)
        self._resets: dict[str, tuple[str, int, bool]] = {}  # hash -> (user id, expires, used)
        self._confirms: dict[str, tuple[str, int, bool]] = {}  # the same, for email links
        self._windows: dict[str, int] = {}

    # users
    def create_user(
        self, user: User, password_hash: str, meter_remaining: int, carry_from: str | None
    ) -> None:
        with self._lock:
            if user.email in self._emails or user.id in self._users:
                raise EmailTaken("An account with that email already exists. Log in instead.")
            self._users[user.id] = (user, password_hash)
            self._emails[user.email] = user.id
            meter = _MeterRow(meter_remaining, user.plan)
            guest = self._meters.get(carry_from) if carry_from else None
            if guest is not None:
                meter.unlocked.update(guest.unlocked)
                guest.closed, guest.remaining = True, 0
            self._meters[f"u:{user.id}"] = meter

    def user_by_id(self, user_id: str) -> User | None:
        found = self._users.get(user_id)
        return found[0] if found else None

    def user_by_email(self, email: str) -> tuple[User, str] | None:
        user_id = self._emails.get(email)
        return self._users[user_id] if user_id else None

    def list_users(self) -> list[User]:
        return sorted((u for u, _ in self._users.values()), key=lambda u: u.created_at)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        with self._lock:
            if user_id in self._users:
                self._users[user_id] = (self._users[user_id][0], password_hash)

    def set_plan(self, user_id: str, plan: str) -> None:
        with self._lock:
            if user_id in self._users:
                user, password_hash = self._users[user_id]
                self._users[user_id] = (replace(user, plan=plan), password_hash)
            if f"u:{user_id}" in self._meters:
                self._meters[f"u:{user_id}"].plan = plan

    def grant_views(self, meter_id: str, views: int) -> Meter:
        with self._lock:
            row = self._meters[meter_id]
            row.remaining = max(0, row.remaining + views)
            return Meter(meter_id, row.remaining, row.plan)

    # sessions
    def create_session(self, token_hash: str, user_id: str, expires_at: int) -> None:
        self._sessions[token_hash] = (user_id, expires_at)

    def _live_session(self, user_id: str, token_hash: str, now: int) -> bool:
        found = self._sessions.get(token_hash)
        return found is not None and found[0] == user_id and found[1] > now

    def session_meter(self, user_id: str, token_hash: str, now: int) -> Meter | None:
        if not self._live_session(user_id, token_hash, now):
            return None
        return self.meter(f"u:{user_id}")

    def delete_session(self, user_id: str, token_hash: str) -> None:
        if self._sessions.get(token_hash, ("",))[0] == user_id:
            del self._sessions[token_hash]

    def delete_user_sessions(self, user_id: str) -> None:
        for token_hash, (owner, _) in list(self._sessions.items()):
            if owner == user_id:
                del self._sessions[token_hash]

    # meters
    def create_meter(
        self,
        meter_id: str,
        remaining: int,
        plan: str,
        first: tuple[str, str, str] | None = None,
        expires_at: int | None = None,
        counted_in: WindowCount | None = None,
    ) -> Meter:
        with self._lock:
            if counted_in:
                if self._windows.get(counted_in.key, 0) >= counted_in.limit:
                    raise WindowFull("This window is full.")
                self._windows[counted_in.key] = self._windows.get(counted_in.key, 0) + 1
            row = _MeterRow(remaining, plan)
            if first:
                system, key, when = first
                row.unlocked[(system, key)] = when
            self._meters[meter_id] = row
            return Meter(meter_id, remaining, plan)

    def meter(self, meter_id: str) -> Meter | None:
        row = self._meters.get(meter_id)
        return Meter(meter_id, row.remaining, row.plan) if row and not row.closed else None

    def charge_view(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        session: SessionCheck | None = None,
    ) -> tuple[Meter, bool]:
        with self._lock:
            user_id = meter_id.removeprefix("u:")
            if session and not self._live_session(user_id, session.token_hash, session.now):
                raise NotSignedIn("Your session has ended. Log in again.")
            row = self._meters.get(meter_id)
            if row is None or row.closed:
                raise MeterClosed("This meter no longer exists.")
            if (system, key) in row.unlocked or row.plan == "unlimited":
                row.unlocked.setdefault((system, key), now)
                return Meter(meter_id, row.remaining, row.plan), False
            if row.remaining <= 0:
                raise ViewLimitReached(
                    "You have used all your code page views.", meter=Meter(meter_id, 0, row.plan)
                )
            row.unlocked[(system, key)] = now
            row.remaining -= 1
            return Meter(meter_id, row.remaining, row.plan), True

    def refund_view(self, meter_id: str, system: str, key: str) -> None:
        with self._lock:
            row = self._meters.get(meter_id)
            unlocked = row is not None and row.unlocked.pop((system, key), None) is not None
            if unlocked and row.plan != "unlimited":
                row.remaining += 1

    def unlocked(self, meter_id: str) -> list[Unlocked]:
        row = self._meters.get(meter_id)
        if row is None:
            return []
        found = [Unlocked(s, k, when) for (s, k), when in row.unlocked.items()]
        found.sort(key=lambda u: (u.system, u.key))
        found.sort(key=lambda u: u.unlocked_at, reverse=True)  # newest first, then by code
        return found

    def unlocked_page(self, meter_id: str, limit: int, after: str | None = None) -> UnlockedPage:
        start = parse_unlocked_cursor(after) if after else ("", "")
        row = self._meters.get(meter_id)
        codes = sorted(
            (Unlocked(s, k, when) for (s, k), when in (row.unlocked if row else {}).items()),
            key=lambda u: (u.system, u.key),
        )
        rest = [u for u in codes if (u.system, u.key) > start]
        shown = rest[:limit]
        more = len(rest) > limit
        return UnlockedPage(
            shown, unlocked_cursor(shown[-1].system, shown[-1].key) if more else None
        )

    # reset tokens
    def create_reset_token(self, token_hash: str, user_id: str, expires_at: int) -> None:
        self._resets[token_hash] = (user_id, expires_at, False)

    def reset_password(self, token_hash: str, now: int, password_hash: str) -> str | None:
        with self._lock:
            found = self._resets.get(token_hash)
            if found is None or found[2] or found[1] <= now:
                return None
            user_id = found[0]
            for other, (owner, expires, _) in list(self._resets.items()):
                if owner == user_id:
                    self._resets[other] = (owner, expires, True)
            self._users[user_id] = (self._users[user_id][0], password_hash)
            for session, (owner, _) in list(self._sessions.items()):
                if owner == user_id:
                    del self._sessions[session]
            return user_id

    # email confirmation tokens
    def create_confirm_token(self, token_hash: str, user_id: str, expires_at: int) -> None:
        self._confirms[token_hash] = (user_id, expires_at, False)

    def confirm_email(self, token_hash: str, now: int, bonus_views: int) -> str | None:
        with self._lock:
            found = self._confirms.get(token_hash)
            if found is None or found[2] or found[1] <= now:
                return None
            user_id = found[0]
            self._confirms[token_hash] = (user_id, found[1], True)
            user, password_hash = self._users[user_id]
            if not user.email_confirmed:
                self._users[user_id] = (replace(user, email_confirmed=True), password_hash)
                self._meters[f"u:{user_id}"].remaining += bonus_views
            return user_id

    # rate-limit windows
    def count_window(self, key: str) -> int:
        return self._windows.get(key, 0)

    def reserve(self, *windows: WindowCount) -> None:
        with self._lock:
            for i, window in enumerate(windows):
                if self._windows.get(window.key, 0) >= window.limit:
                    raise WindowFull("This window is full.", window=i)
            for window in windows:
                self._windows[window.key] = self._windows.get(window.key, 0) + 1

    def release(self, key: str) -> None:
        with self._lock:
            if self._windows.get(key, 0) > 0:
                self._windows[key] -= 1

    def clear_window(self, key: str) -> None:
        self._windows.pop(key, None)


# -- mail, candidates --------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class FakeMailer:
    """accounts.ports.Mailer: keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append(Mail(to, subject, body))


class FakeCandidates:
    """assistant.ports.CandidateSource over a FakeCatalog's live records: a code is a
    candidate for a phrase when every word of the phrase is in its title, best (shortest
    title) first. Simple on purpose: the real ranking is tested in tests/search."""

    def __init__(self, catalog: FakeCatalog) -> None:
        self.catalog = catalog

    def _words(self, text: str) -> list[str]:
        return [w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split()]

    def find(
        self,
        phrase: str,
        system: str | None = None,
        limit: int = 5,
        depth: int = 30,
        min_share: float = 0.0,
    ):
        from coderef.search.candidates import Candidate

        wanted = set(self._words(phrase))
        found = [
            r
            for r in self.catalog.iter_live()
            if (system is None or r.system == system)
            and r.kind not in ("chapter", "block")
            and wanted
            and wanted <= set(self._words(r.title))
        ]
        found.sort(key=lambda r: (len(r.title), r.code))
        out = []
        for position, r in enumerate(found[:limit]):
            title = self._words(r.title)
            extra = len([w for w in title if w not in wanted])
            # The real rank's first two places: (a circumstance not said, words not said).
            rank = (False, extra, not r.billable, position)
            share = (len(title) - extra) / len(title) if title else 1.0
            out.append(
                Candidate(
                    r.system,
                    r.code,
                    r.key,
                    r.title,
                    r.billable,
                    r.kind,
                    f"“{r.title}”",
                    record=r,
                    rank=rank,
                    share=share,
                )
            )
        return [c for c in out if c.share >= min_share]

    def known_words(self, words: Iterable[str]) -> set[str]:
        vocabulary = {w for r in self.catalog.iter_live() for w in self._words(r.title)}
        return {w for w in words if w in vocabulary}


class FakeGuidelines:
    """assistant.ports.GuidelineSearch over a few passages: those whose title words all occur
    in the question, in the order given."""

    def __init__(self, passages: Iterable = ()) -> None:
        self.passages = list(passages)

    def search(self, question: str, limit: int = 3) -> list:
        asked = question.lower()
        return [p for p in self.passages if all(w in asked for w in p.title.lower().split())][
            :limit
        ]


class FakeHasher:
    """A password hasher with no cost (the real one is Argon2id, tested in tests/api)."""

    def hash(self, password: str) -> str:
        return f"plain:{password}"

    def verify(self, password_hash: str | None, password: str) -> bool:
        return password_hash == f"plain:{password}"


class FakeIcd9:
    """assistant.ports.Icd9Crosswalks over a few given ICD-9-CM codes (the real lookup, the
    search index's GEM tables, is tested in tests/search and on the full release)."""

    def __init__(self, codes) -> None:
        self.codes = {(c.procedure, c.code): c for c in codes}

    def icd9(self, code: str, procedure: bool):
        return self.codes.get((procedure, code))

    def icd9_under(self, prefix: str, procedure: bool, limit: int = 10):
        from dataclasses import replace

        under = sorted(
            (
                c
                for (p, code), c in self.codes.items()
                if p == procedure and code.startswith(prefix)
            ),
            key=lambda c: c.code,
        )
        return [replace(c, targets=()) for c in under if c.code != prefix][:limit]
