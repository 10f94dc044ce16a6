"""What the DynamoDB catalog adds beyond the shared contract: loads that are safe to re-run and
to interrupt, throttled batches retried, and every storage failure turned into a domain error."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from botocore.exceptions import EndpointConnectionError
from fastapi.testclient import TestClient

from coderef.adapters.dynamodb_catalog import DynamoCatalog
from coderef.api.app import create_app
from coderef.api.services import Services
from coderef.catalog.lookup import CodeLookup
from coderef.codesets.icd10cm_xml import read_tabular
from coderef.errors import InvalidInput, ServiceUnavailable
from coderef.settings import Settings
from tests import aws
from tests.conftest import CM_FIXTURE


class FlakyDynamoDB:
    """The real (moto) client, with BatchWriteItem misbehaving as told: DynamoDB handing back
    part of a batch as unprocessed, or the network dropping after some batches."""

    def __init__(self, client, unprocessed_first: int = 0, fail_after: int | None = None):
        self._client = client
        self.unprocessed_first = unprocessed_first
        self.fail_after = fail_after
        self.batch_writes = 0

    def __getattr__(self, name):
        return getattr(self._client, name)

    def batch_write_item(self, RequestItems):
        self.batch_writes += 1
        if self.fail_after is not None and self.batch_writes > self.fail_after:
            raise EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        if self.unprocessed_first:
            self.unprocessed_first -= 1
            ((table, requests),) = RequestItems.items()
            keep, leftover = requests[:10], requests[10:]
            self._client.batch_write_item(RequestItems={table: keep})
            return {"UnprocessedItems": {table: leftover} if leftover else {}}
        return self._client.batch_write_item(RequestItems=RequestItems)


@pytest.fixture
def table(moto_dynamodb):
    return aws.create_table(moto_dynamodb, "CodesTable")


@pytest.fixture(scope="module")
def cm_release():
    return read_tabular(CM_FIXTURE)


def test_rerunning_a_finished_load_writes_nothing_and_serves_the_same(
    moto_dynamodb, table, cm_release
):
    release, records = cm_release
    first = FlakyDynamoDB(moto_dynamodb)
    DynamoCatalog(table, client=first).load_release(release, records)
    # When the same release is loaded again
    again = FlakyDynamoDB(moto_dynamodb)
    seen = []
    DynamoCatalog(table, client=again).load_release(release, records, lambda d, t: seen.append(d))
    # Then no record is rewritten, progress still reaches the end, and the codes still answer
    # (25 items per BatchWriteItem call)
    assert first.batch_writes == -(-len(records) // 25) and again.batch_writes == 0
    assert seen == [len(records)]
    assert DynamoCatalog(table, client=moto_dynamodb).get("icd10cm", "R001").code == "R00.1"


def test_an_interrupted_load_leaves_the_old_release_live_and_a_rerun_finishes_it(
    moto_dynamodb, table, cm_release
):
    # Given a live release
    release, records = cm_release
    reader = DynamoCatalog(table, client=moto_dynamodb, refresh_seconds=0)
    reader.load_release(release, records)
    # When loading the next release loses the network after its first batch
    newer = replace(release, id="icd10cm-2026-10", name="October")
    newer_records = [replace(r, release=newer.id) for r in records]
    broken = DynamoCatalog(table, client=FlakyDynamoDB(moto_dynamodb, fail_after=1))
    with pytest.raises(ServiceUnavailable) as failure:
        broken.load_release(newer, newer_records)
    # Then the failure names its cause, and readers still get the old release, whole
    assert failure.value.details["cause"] == "EndpointConnectionError"
    assert [r.id for r in reader.releases()] == [release.id]
    assert {r.release for r in reader.iter_live()} == {release.id}
    # And running the load again completes it and switches every record
    DynamoCatalog(table, client=moto_dynamodb).load_release(newer, newer_records)
    assert [r.id for r in reader.releases()] == [newer.id]
    assert reader.get("icd10cm", "R001").release == newer.id


def test_batches_dynamodb_leaves_unprocessed_are_sent_again(moto_dynamodb, table, cm_release):
    release, records = cm_release
    throttled = FlakyDynamoDB(moto_dynamodb, unprocessed_first=3)
    DynamoCatalog(table, client=throttled).load_release(release, records)
    catalog = DynamoCatalog(table, client=moto_dynamodb)
    assert sum(1 for _ in catalog.iter_live()) == len(records)
    assert throttled.batch_writes > 2  # the leftovers went out again


def test_a_reader_keeps_its_release_until_it_refreshes(moto_dynamodb, table, cm_release):
    # Given a warm reader that checks the live release at most once an hour
    release, records = cm_release
    DynamoCatalog(table, client=moto_dynamodb).load_release(release, records)
    warm = DynamoCatalog(table, client=moto_dynamodb, refresh_seconds=3600)
    assert warm.get("icd10cm", "R001").release == release.id
    # When another process switches to a new release
    newer = replace(release, id="icd10cm-2026-10", name="October")
    DynamoCatalog(table, client=moto_dynamodb).load_release(
        newer, [replace(r, release=newer.id) for r in records]
    )
    # Then the warm reader still answers, consistently, from the release it knows
    assert warm.get("icd10cm", "R001").release == release.id
    assert warm.get_many("icd10cm", ["R000", "R001"])["R000"].release == release.id
    # And a reader that refreshes sees the new one
    assert DynamoCatalog(table, client=moto_dynamodb).get("icd10cm", "R001").release == newer.id


class CountingDynamoDB:
    """The real (moto) client, counting the reads that reach it."""

    def __init__(self, client):
        self._client = client
        self.reads: list[str] = []

    def __getattr__(self, name):
        method = getattr(self._client, name)
        if name in ("get_item", "batch_get_item", "query"):

            def counted(**kwargs):
                self.reads.append(name)
                return method(**kwargs)

            return counted
        return method


def test_a_code_read_once_is_served_from_memory_afterwards(moto_dynamodb, table, cm_release):
    # Given a warm reader over a loaded release
    release, records = cm_release
    DynamoCatalog(table, client=moto_dynamodb).load_release(release, records)
    counting = CountingDynamoDB(moto_dynamodb)
    warm = DynamoCatalog(table, client=counting, refresh_seconds=3600)
    first = warm.get("icd10cm", "R001")
    first_many = warm.get_many("icd10cm", ["R000", "R001"])
    first_versions = warm.versions("icd10cm", "R001")
    reads = len(counting.reads)
    # When the same codes are asked for again
    again = warm.get("icd10cm", "R001")
    again_many = warm.get_many("icd10cm", ["R000", "R001"])
    again_versions = warm.versions("icd10cm", "R001")
    # Then nothing more is read from DynamoDB, and the answers are the same
    assert len(counting.reads) == reads
    assert (again, again_many, again_versions) == (first, first_many, first_versions)
    # And each caller gets its own record: changing one does not change what others get
    again.title = "changed by a caller"
    assert warm.get("icd10cm", "R001").title == first.title


def test_a_code_page_read_again_costs_no_read_even_for_levels_the_release_lacks(
    moto_dynamodb, table, cm_release
):
    # Given a warm reader that has assembled R00.1's full page once (its block and chapter
    # are levels above it with no code item of their own)
    release, records = cm_release
    DynamoCatalog(table, client=moto_dynamodb).load_release(release, records)
    counting = CountingDynamoDB(moto_dynamodb)
    reader = DynamoCatalog(table, client=counting, refresh_seconds=3600)
    first = CodeLookup(reader).page("icd10cm", "R00.1")
    counting.reads.clear()
    # When the page is assembled again, and a key the release never had is asked for twice
    again = CodeLookup(reader).page("icd10cm", "R00.1")
    assert reader.get_many("icd10cm", ["NOSUCH"]) == {}
    asked_once = list(counting.reads)
    assert reader.get_many("icd10cm", ["NOSUCH"]) == {}
    # Then the page came from memory, and the missing key was asked for once only
    assert again == first
    assert asked_once == ["batch_get_item"]
    assert counting.reads == ["batch_get_item"]


def test_a_code_and_its_history_come_from_one_read(moto_dynamodb, table, cm_release):
    # Given a reader whose release pointers are already known
    release, records = cm_release
    DynamoCatalog(table, client=moto_dynamodb).load_release(release, records)
    counting = CountingDynamoDB(moto_dynamodb)
    reader = DynamoCatalog(table, client=counting, refresh_seconds=3600)
    reader.releases(), reader.all_releases("icd10cm")
    counting.reads.clear()
    # When a page reads a code, then its history across releases
    record = reader.get("icd10cm", "R001")
    history = reader.versions("icd10cm", "R001")
    # Then one Query brought both
    assert counting.reads == ["query"]
    assert history == {release.id: record}


def test_a_code_page_with_every_inherited_note_costs_a_bounded_number_of_reads(
    moto_dynamodb, table, cm_release
):
    # Given a cold reader (release pointers known) over a loaded release
    release, records = cm_release
    DynamoCatalog(table, client=moto_dynamodb).load_release(release, records)
    counting = CountingDynamoDB(moto_dynamodb)
    reader = DynamoCatalog(table, client=counting, refresh_seconds=3600)
    reader.releases(), reader.all_releases("icd10cm")
    counting.reads.clear()
    # When the full page of R00.1 is assembled: its notes, its category's, block's, chapter's
    page = CodeLookup(reader).page("icd10cm", "R00.1")
    # Then it shows the notes of every level above it, from at most one Query and two batches
    assert page.inherited_notes[0].level == "category"
    assert "chapter" in {g.level for g in page.inherited_notes}
    assert sorted(counting.reads) in (
        ["batch_get_item", "query"],
        ["batch_get_item", "batch_get_item", "query"],
    )


def test_a_new_release_is_read_afresh_not_served_from_memory(moto_dynamodb, table, cm_release):
    # Given a reader that has served R00.1 from the live release (and checks the pointer
    # on every read)
    release, records = cm_release
    DynamoCatalog(table, client=moto_dynamodb).load_release(release, records)
    reader = DynamoCatalog(table, client=moto_dynamodb, refresh_seconds=0)
    assert reader.get("icd10cm", "R001").release == release.id
    assert list(reader.versions("icd10cm", "R001")) == [release.id]
    # When a newer release goes live
    newer = replace(release, id="icd10cm-2026-10", name="October")
    DynamoCatalog(table, client=moto_dynamodb).load_release(
        newer, [replace(r, release=newer.id) for r in records]
    )
    # Then the reader answers from it, and the code's history lists both
    assert reader.get("icd10cm", "R001").release == newer.id
    assert reader.get_many("icd10cm", ["R001"])["R001"].release == newer.id
    assert sorted(reader.versions("icd10cm", "R001")) == sorted([release.id, newer.id])


def test_get_many_reads_past_one_batch(moto_dynamodb, table, cm_release):
    release, records = cm_release
    catalog = DynamoCatalog(table, client=moto_dynamodb)
    catalog.load_release(release, records)
    keys = [r.key for r in records] + [f"Z{n:03}" for n in range(150)]  # more than 100 keys
    assert sorted(catalog.get_many("icd10cm", keys)) == sorted(r.key for r in records)
    assert catalog.get_many("icd10pcs", keys) == {}


def test_a_record_over_the_item_limit_is_refused_before_anything_is_written(
    moto_dynamodb, table, cm_release
):
    release, records = cm_release
    # Random hex: about 460 KB however it is compressed (a counting sequence compressed to
    # under the limit once records were packed against a dictionary).
    huge = replace(records[0], description=random.Random(1).randbytes(400_000).hex())
    catalog = DynamoCatalog(table, client=moto_dynamodb)
    with pytest.raises(InvalidInput, match="item size limit"):
        catalog.load_release(release, [*records[1:], huge])
    assert catalog.releases() == []
    assert moto_dynamodb.scan(TableName=table)["Count"] == 0  # a fresh table for each test


def test_a_missing_table_is_service_unavailable_never_a_botocore_error(moto_dynamodb):
    catalog = DynamoCatalog("no-such-table", client=moto_dynamodb)
    reads = {
        "releases": catalog.releases,
        "get": lambda: catalog.get("icd10cm", "R001"),
        "get_many": lambda: catalog.get_many("icd10cm", ["R001"]),
        "iter_live": lambda: list(catalog.iter_live()),
    }
    for name, read in reads.items():
        with pytest.raises(ServiceUnavailable) as failure:
            read()
        assert failure.value.details["cause"] == "ResourceNotFoundException", name


def test_the_api_answers_503_in_the_error_shape_when_the_table_is_unreachable(
    moto_dynamodb, tmp_path
):
    settings = Settings.from_env({"CODEREF_DATA_DIR": str(tmp_path)})
    app = create_app(
        Services(settings=settings, catalog=DynamoCatalog("gone", client=moto_dynamodb))
    )
    response = TestClient(app).get("/api/codes/icd10cm/R00.1/summary")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert response.json()["error"]["code"] == "service_unavailable"
    assert "Traceback" not in response.text and "botocore" not in response.text
