"""DynamoDB adapter for the code catalog (the CodesTable in template.yaml: keys pk and sk).

Items:

    code record   pk = "{system}#{key}"       sk = version   record: zlib-compressed JSON
    release       pk = "@release#{system}"    sk = version   release fields, count, complete
    live pointer  pk = "@live"                sk = system    version and release fields
    changes       pk = "@changes#{version}#{version}"  sk = part number   zlib JSON, in parts

The changes between two versions are computed when a release is loaded (the table can only be
compared by scanning it, which no request may do) and read back with one Query.

A version is "{release id}#{digest of the packed records}". A load writes every record of its
version first and moves the system's live pointer (one PutItem) last, so readers see the old
version or the new one, never a mix. Because the version is named by its content, re-running
an interrupted load rewrites the same items, and re-running a finished one writes nothing.
Versions that are no longer live stay in the table (as in the SQLite store), so a reader
still holding the previous pointer keeps getting answers.
"""

from __future__ import annotations

import hashlib
import json
import time
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from coderef.adapters.aws import dynamodb_client, retry_unprocessed, storage_errors
from coderef.adapters.record_blobs import pack_record, unpack_record
from coderef.catalog.codes import SYSTEMS
from coderef.catalog.ports import Progress
from coderef.catalog.records import CodeRecord, Release, ReleaseDelta
from coderef.catalog.releases import fingerprint
from coderef.errors import InvalidInput, ReleaseNotFound
from coderef.lru import Lru

LIVE_PK = "@live"
WHAT = "code catalog"
# DynamoDB's item limit is 400 KB; stay clear of it with room for the keys.
MAX_RECORD_BYTES = 390_000
_WRITE_BATCH = 25  # BatchWriteItem's limit
_READ_BATCH = 100  # BatchGetItem's limit
_WRITERS = 8  # batches in flight during a load
# Packed records kept per process (a few hundred bytes each): a version's items never change,
# so what was read once is right for as long as the process lives.
_CACHED_ITEMS = 20_000
_RELEASE_FIELDS = ("id", "system", "name", "source", "effective_from", "effective_to")
# Saved changes are split into parts well under the item limit.
_CHANGES_PART_BYTES = 350_000
_CACHED_CHANGES = 32


def _code_pk(system: str, key: str) -> str:
    return f"{system}#{key}"


def _release_pk(system: str) -> str:
    return f"@release#{system}"


def _s(value: str) -> dict:
    return {"S": value}


def _release_attrs(release: Release) -> dict[str, dict]:
    return {
        name: _s(value)
        for name, value in asdict(release).items()
        if name in _RELEASE_FIELDS and value is not None
    }


def _release_from(item: dict[str, dict], live: bool = False) -> Release:
    return Release(
        **{name: item[name]["S"] for name in _RELEASE_FIELDS if name in item},
        live=live,
        record_count=int(item.get("record_count", {}).get("N", "0")),
    )


def _release_id(version: str) -> str:
    return version.rsplit("#", 1)[0]


@dataclass(frozen=True)
class _Live:
    version: str
    release: Release


class DynamoCatalog:
    """Reads serve each system's live version; `load_release` writes a version, then makes it
    live. The live pointers are cached for `refresh_seconds`, so a long-lived process (a warm
    Lambda) picks up a new release within that time without reading the pointers per request.
    """

    def __init__(
        self,
        table: str,
        client: Any = None,
        refresh_seconds: float = 60.0,
        cached_items: int = _CACHED_ITEMS,
    ) -> None:
        if not table:
            raise ValueError("DynamoCatalog needs the codes table name (CODEREF_CODES_TABLE)")
        self.table = table
        self.client = client if client is not None else dynamodb_client("request")
        self.refresh_seconds = refresh_seconds
        # A code that goes viral is read from DynamoDB once per execution environment, not
        # once per view: one item's partition serves only ~3,000 reads a second.
        self._items: Lru[Any] = Lru(cached_items)
        self._live_cache: tuple[float, dict[str, _Live]] | None = None
        self._loaded_cache: dict[str, tuple[float, dict[str, tuple[str, Release]]]] = {}
        self._changes: Lru[Any] = Lru(_CACHED_CHANGES)
        self._all_fingerprints: dict[str, dict[str, str]] | None = None

    # -- reads ---------------------------------------------------------------------------
    def _live(self, fresh: bool = False) -> dict[str, _Live]:
        cached = self._live_cache
        if not fresh and cached and time.monotonic() - cached[0] < self.refresh_seconds:
            return cached[1]
        with storage_errors(WHAT):
            items = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :live",
                ExpressionAttributeValues={":live": _s(LIVE_PK)},
                ConsistentRead=True,
            )["Items"]
        live = {
            item["sk"]["S"]: _Live(item["version"]["S"], _release_from(item, live=True))
            for item in items
        }
        self._live_cache = (time.monotonic(), live)
        return live

    def _version(self, system: str, release: str | None) -> str | None:
        """The version to read: the live one, or the one loaded for a named release."""
        if release is None:
            live = self._live().get(system)
            return live.version if live else None
        return self._loaded(system).get(release, (None, None))[0]

    def _loaded(self, system: str, fresh: bool = False) -> dict[str, tuple[str, Release]]:
        """Every complete version of a system, by release id (the newest write of each).
        Cached like the live pointers: every page names its release, and a warm function
        should not pay a Query for that on each request."""
        cached = self._loaded_cache.get(system)
        if not fresh and cached and time.monotonic() - cached[0] < self.refresh_seconds:
            return cached[1]
        with storage_errors(WHAT):
            items = self.client.query(
                TableName=self.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": _s(_release_pk(system))},
                ConsistentRead=True,
            )["Items"]
        live = self._live().get(system)
        loaded: dict[str, tuple[str, str, Release]] = {}
        for item in items:
            if not item.get("complete", {}).get("BOOL"):
                continue
            version = item["sk"]["S"]
            release = _release_from(item, live=bool(live and live.version == version))
            written = item.get("written_at", {}).get("S", "")
            current = loaded.get(release.id)
            if current is None or release.live or (written > current[1] and not current[2].live):
                loaded[release.id] = (version, written, release)
        result = {rid: (version, release) for rid, (version, _, release) in loaded.items()}
        self._loaded_cache[system] = (time.monotonic(), result)
        return result

    def get(self, system: str, key: str, release: str | None = None) -> CodeRecord | None:
        version = self._version(system, release)
        if version is None:
            return None
        cached = self._items.get(("record", system, key, version))
        if cached is None:
            # One Query brings the code in every version: the page asks for its history next,
            # and both then come from memory (one round trip instead of two).
            cached = dict(self._code_versions(system, key)).get(version)
        if cached is None:
            return None  # not remembered: absence is not a fact about the version's items
        self._items.put(("record", system, key, version), cached)
        return unpack_record(cached)

    def get_many(
        self, system: str, keys: Iterable[str], release: str | None = None
    ) -> dict[str, CodeRecord]:
        version = self._version(system, release)
        keys = list(dict.fromkeys(keys))
        if version is None or not keys:
            return {}
        found: dict[str, CodeRecord] = {}
        wanted = []
        for k in keys:
            cached = self._items.get(("record", system, k, version))
            if cached is not None:
                found[k] = unpack_record(cached)
            elif self._items.get(("absent", system, k, version)) is None:
                wanted.append(k)
        for start in range(0, len(wanted), _READ_BATCH):
            request = {
                self.table: {
                    "Keys": [
                        {"pk": _s(_code_pk(system, k)), "sk": _s(version)}
                        for k in wanted[start : start + _READ_BATCH]
                    ],
                    "ProjectionExpression": "#r",
                    "ExpressionAttributeNames": {"#r": "record"},
                    "ConsistentRead": True,
                }
            }
            with storage_errors(WHAT):
                responses = retry_unprocessed(
                    lambda items: self.client.batch_get_item(RequestItems=items),
                    request,
                    "UnprocessedKeys",
                    WHAT,
                )
            for response in responses:
                for item in response.get("Responses", {}).get(self.table, []):
                    record = unpack_record(item["record"]["B"])
                    found[record.key] = record
                    self._items.put(("record", system, record.key, version), item["record"]["B"])
        # A readable version's items are all written before it becomes readable, so a key it
        # lacks (a block such as R00-R09 above every code page, a code a note names that the
        # release dropped) stays absent: remembered, or every page view would ask again.
        for k in wanted:
            if k not in found:
                self._items.put(("absent", system, k, version), True)
        return found

    def release_token(self, system: str) -> tuple[str | None, frozenset[str]]:
        """The system's live version and its complete versions, from the pointers this
        process refreshes once a minute (no call of its own): a load or a switch of the live
        release changes it within that time, as it changes which records the reads serve."""
        live = self._live().get(system)
        loaded = frozenset(version for version, _ in self._loaded(system).values())
        return (live.version if live else None, loaded)

    def releases(self) -> list[Release]:
        return [live.release for _, live in sorted(self._live().items())]

    def all_releases(self, system: str | None = None) -> list[Release]:
        systems = [system] if system else sorted(SYSTEMS)
        found = [release for s in systems for _, release in self._loaded(s).values()]
        return sorted(found, key=lambda r: (r.system, r.effective_from, r.id))

    def versions(self, system: str, key: str) -> dict[str, CodeRecord]:
        return {
            _release_id(version): unpack_record(blob)
            for version, blob in self._code_versions(system, key)
        }

    def _code_versions(self, system: str, key: str) -> tuple[tuple[str, bytes], ...]:
        """The code's packed record in every complete version, from one Query (remembered)."""
        loaded = frozenset(version for version, _ in self._loaded(system).values())
        live = self._live().get(system)
        if live:  # the two caches refresh apart: a just-switched live version counts too
            loaded |= {live.version}
        # Keyed by the set of complete versions: loading a release changes the key, and the
        # items of complete versions never change.
        cache_key = ("versions", system, key, loaded)
        packed = self._items.get(cache_key)
        if packed is None:
            with storage_errors(WHAT):
                items = self.client.query(
                    TableName=self.table,
                    KeyConditionExpression="pk = :pk",
                    ExpressionAttributeValues={":pk": _s(_code_pk(system, key))},
                    # Consistent: a record written just before its version went live is seen.
                    ConsistentRead=True,
                )["Items"]
            packed = tuple(
                (item["sk"]["S"], item["record"]["B"])
                for item in items
                if item["sk"]["S"] in loaded
            )
            self._items.put(cache_key, packed)
        return packed

    def _fingerprints(self, version: str) -> dict[str, str]:
        """Each record's revision fingerprint in a version, from one Scan that reads every
        version at once and is kept for the process: only a load compares releases (saving
        the changes), and it compares one release with every other."""
        if self._all_fingerprints is None:
            self._all_fingerprints = self._scan_fingerprints()
        return self._all_fingerprints.get(version, {})

    def _scan_fingerprints(self) -> dict[str, dict[str, str]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "attribute_exists(#r)",
            "ProjectionExpression": "sk, #r",
            "ExpressionAttributeNames": {"#r": "record"},
        }
        found: dict[str, dict[str, str]] = {}
        while True:
            with storage_errors(WHAT):
                page = self.client.scan(**request)
            for item in page["Items"]:
                record = unpack_record(item["record"]["B"])
                found.setdefault(item["sk"]["S"], {})[record.key] = fingerprint(record)
            if "LastEvaluatedKey" not in page:
                return found
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _changes_pk(self, before: str, after: str) -> str:
        return f"@changes#{self._find(before)[0]}#{self._find(after)[0]}"

    def saved_changes(self, before: str, after: str) -> dict[str, Any] | None:
        """The changes saved when the releases were loaded: one Query, kept for the process
        (versions are named by their content, so a saved comparison never goes stale)."""
        pk = self._changes_pk(before, after)
        cached = self._changes.get(pk)
        if cached is not None:
            return cached
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(pk)},
        }
        parts: list[bytes] = []
        while True:
            with storage_errors(WHAT):
                page = self.client.query(**request)
            parts.extend(item["part"]["B"] for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        if not parts:
            return None
        changes = json.loads(zlib.decompress(b"".join(parts)))
        self._changes.put(pk, changes)
        return changes

    def save_changes(self, before: str, after: str, changes: dict[str, Any]) -> None:
        pk = self._changes_pk(before, after)
        blob = zlib.compress(json.dumps(changes, separators=(",", ":")).encode(), 9)
        parts = [
            blob[i : i + _CHANGES_PART_BYTES] for i in range(0, len(blob), _CHANGES_PART_BYTES)
        ]
        for number, part in enumerate(parts):
            with storage_errors(WHAT):
                self.client.put_item(
                    TableName=self.table,
                    Item={"pk": _s(pk), "sk": _s(f"{number:05d}"), "part": {"B": part}},
                )

    def _find(self, release_id: str) -> tuple[str, Release]:
        for system in SYSTEMS:
            loaded = self._loaded(system)
            if release_id in loaded:
                return loaded[release_id]
        raise ReleaseNotFound(f"No release '{release_id[:40]}' is loaded.")

    def compare_releases(self, before: str, after: str) -> ReleaseDelta:
        """Scans the table for both versions: an operator's question, not a page's."""
        old = self._fingerprints(self._find(before)[0])
        new = self._fingerprints(self._find(after)[0])
        return ReleaseDelta(
            added=sorted(new.keys() - old.keys()),
            deleted=sorted(old.keys() - new.keys()),
            changed=sorted(k for k in old.keys() & new.keys() if old[k] != new[k]),
        )

    def set_live(self, release_id: str) -> Release:
        version, release = self._find(release_id)
        self._point_live(release, version, release.record_count)
        return next(r for r in self.all_releases(release.system) if r.id == release_id)

    def _point_live(self, release: Release, version: str, total: int) -> None:
        with storage_errors(WHAT):
            # The switch: one item, written only once the whole version is in place.
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": _s(LIVE_PK),
                    "sk": _s(release.system),
                    "version": _s(version),
                    **_release_attrs(release),
                    "record_count": {"N": str(total)},
                    "switched_at": _s(_now()),
                },
            )
        self._live(fresh=True)
        self._loaded_cache.clear()

    def iter_live(self) -> Iterator[CodeRecord]:
        """Every live record, read with a Scan (for building the search index offline)."""
        versions = [live.version for live in self._live(fresh=True).values()]
        if not versions:
            return
        names = {f":v{i}": _s(v) for i, v in enumerate(versions)}
        request: dict[str, Any] = {
            "TableName": self.table,
            # The release items share the version as sk; only code items carry a record.
            "FilterExpression": f"sk IN ({', '.join(names)}) AND attribute_exists(#r)",
            "ExpressionAttributeValues": names,
            "ProjectionExpression": "#r",
            "ExpressionAttributeNames": {"#r": "record"},
        }
        while True:
            with storage_errors(WHAT):
                page = self.client.scan(**request)
            for item in page["Items"]:
                yield unpack_record(item["record"]["B"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- loading -------------------------------------------------------------------------
    def load_release(
        self, release: Release, records: list[CodeRecord], progress: Progress | None = None
    ) -> None:
        packed = [(record.key, pack_record(record)) for record in records]
        for key, blob in packed:
            if len(blob) > MAX_RECORD_BYTES:
                raise InvalidInput(
                    f"{release.system} {key}: the record is {len(blob)} bytes compressed, "
                    "over DynamoDB's item size limit"
                )
        version = f"{release.id}#{_digest(packed)}"
        total = len(packed)
        release_key = {"pk": _s(_release_pk(release.system)), "sk": _s(version)}
        with storage_errors(WHAT):
            written = self.client.get_item(
                TableName=self.table, Key=release_key, ConsistentRead=True
            ).get("Item")
        if written and written.get("complete", {}).get("BOOL"):
            if progress:
                progress(total, total)  # this exact version is already in the table
        else:
            self._write_version(release, version, packed, progress)
            with storage_errors(WHAT):
                self.client.put_item(
                    TableName=self.table,
                    Item={
                        **release_key,
                        **_release_attrs(release),
                        "record_count": {"N": str(total)},
                        "complete": {"BOOL": True},
                        "written_at": _s(_now()),
                    },
                )
        self._loaded_cache.clear()
        self._all_fingerprints = None
        live = self._live(fresh=True).get(release.system)
        # An older release loaded for its history does not take over from a newer one.
        if (
            live is None
            or live.release.id == release.id
            or release.effective_from >= live.release.effective_from
        ):
            self._point_live(release, version, total)

    def _write_version(
        self,
        release: Release,
        version: str,
        packed: list[tuple[str, bytes]],
        progress: Progress | None,
    ) -> None:
        total = len(packed)
        batches = [packed[i : i + _WRITE_BATCH] for i in range(0, total, _WRITE_BATCH)]
        done = 0
        with ThreadPoolExecutor(max_workers=_WRITERS) as pool:
            pending: set[Future[int]] = set()
            queue = iter(batches)
            try:
                while True:
                    while len(pending) < _WRITERS * 2:
                        batch = next(queue, None)
                        if batch is None:
                            break
                        pending.add(pool.submit(self._write_batch, release.system, version, batch))
                    if not pending:
                        break
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done += future.result()  # re-raises a failed batch
                    if progress:
                        progress(done, total)
            finally:
                for future in pending:
                    future.cancel()

    def _write_batch(self, system: str, version: str, batch: list[tuple[str, bytes]]) -> int:
        request = {
            self.table: [
                {
                    "PutRequest": {
                        "Item": {
                            "pk": _s(_code_pk(system, key)),
                            "sk": _s(version),
                            "record": {"B": blob},
                        }
                    }
                }
                for key, blob in batch
            ]
        }
        with storage_errors(WHAT):
            retry_unprocessed(
                lambda items: self.client.batch_write_item(RequestItems=items),
                request,
                "UnprocessedItems",
                f"{WHAT} load",
            )
        return len(batch)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _digest(packed: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for key, blob in packed:
        digest.update(key.encode())
        digest.update(len(blob).to_bytes(4, "big"))
        digest.update(blob)
    return digest.hexdigest()[:16]
