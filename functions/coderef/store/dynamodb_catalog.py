"""DynamoDB adapter for the code catalog (the CodesTable in template.yaml: keys pk and sk).

Items:

    code record   pk = "{system}#{key}"       sk = version   record: zlib-compressed JSON
    release       pk = "@release#{system}"    sk = version   release fields, count, complete
    live pointer  pk = "@live"                sk = system    version and release fields

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

from coderef.domain.errors import InvalidInput
from coderef.domain.records import CodeRecord, Release
from coderef.store.aws import dynamodb_client, retry_unprocessed, storage_errors
from coderef.store.ports import Progress

LIVE_PK = "@live"
WHAT = "code catalog"
# DynamoDB's item limit is 400 KB; stay clear of it with room for the keys.
MAX_RECORD_BYTES = 390_000
_WRITE_BATCH = 25  # BatchWriteItem's limit
_READ_BATCH = 100  # BatchGetItem's limit
_WRITERS = 8  # batches in flight during a load
_RELEASE_FIELDS = ("id", "system", "name", "source", "effective_from", "effective_to")


def _pack(record: CodeRecord) -> bytes:
    return zlib.compress(json.dumps(record.to_dict(), separators=(",", ":")).encode(), 6)


def _unpack(blob: bytes) -> CodeRecord:
    return CodeRecord.from_dict(json.loads(zlib.decompress(blob)))


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


def _release_from(item: dict[str, dict]) -> Release:
    return Release(**{name: item[name]["S"] for name in _RELEASE_FIELDS if name in item})


@dataclass(frozen=True)
class _Live:
    version: str
    release: Release


class DynamoCatalog:
    """Reads serve each system's live version; `load_release` writes a version, then makes it
    live. The live pointers are cached for `refresh_seconds`, so a long-lived process (a warm
    Lambda) picks up a new release within that time without reading the pointers per request.
    """

    def __init__(self, table: str, client: Any = None, refresh_seconds: float = 60.0) -> None:
        if not table:
            raise ValueError("DynamoCatalog needs the codes table name (CODEREF_CODES_TABLE)")
        self.table = table
        self.client = client if client is not None else dynamodb_client("request")
        self.refresh_seconds = refresh_seconds
        self._live_cache: tuple[float, dict[str, _Live]] | None = None

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
        live = {item["sk"]["S"]: _Live(item["version"]["S"], _release_from(item)) for item in items}
        self._live_cache = (time.monotonic(), live)
        return live

    def get(self, system: str, key: str) -> CodeRecord | None:
        live = self._live().get(system)
        if live is None:
            return None
        with storage_errors(WHAT):
            item = self.client.get_item(
                TableName=self.table,
                Key={"pk": _s(_code_pk(system, key)), "sk": _s(live.version)},
                ProjectionExpression="#r",
                ExpressionAttributeNames={"#r": "record"},
                # Consistent: a record written just before its version went live is visible.
                ConsistentRead=True,
            ).get("Item")
        return _unpack(item["record"]["B"]) if item else None

    def get_many(self, system: str, keys: Iterable[str]) -> dict[str, CodeRecord]:
        live = self._live().get(system)
        wanted = list(dict.fromkeys(keys))
        if live is None or not wanted:
            return {}
        found: dict[str, CodeRecord] = {}
        for start in range(0, len(wanted), _READ_BATCH):
            request = {
                self.table: {
                    "Keys": [
                        {"pk": _s(_code_pk(system, k)), "sk": _s(live.version)}
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
                    record = _unpack(item["record"]["B"])
                    found[record.key] = record
        return found

    def releases(self) -> list[Release]:
        return [live.release for _, live in sorted(self._live().items())]

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
                yield _unpack(item["record"]["B"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- loading -------------------------------------------------------------------------
    def load_release(
        self, release: Release, records: list[CodeRecord], progress: Progress | None = None
    ) -> None:
        packed = [(record.key, _pack(record)) for record in records]
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
