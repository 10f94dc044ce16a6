"""The jobs store contract. It runs unchanged against every adapter: SQLite on a temporary
file, and DynamoDB on moto with the table made from template.yaml's own definition."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from coderef.adapters.sqlite_jobs import SqliteJobs
from coderef.jobs.model import (
    CLOSED,
    OPEN,
    PENDING,
    REJECTED,
    JobAlert,
    JobPost,
    iso,
    make_query,
)
from tests import aws

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
STORES = ["sqlite", "dynamodb"]


@pytest.fixture(params=STORES)
def store(request, tmp_path):
    if request.param == "sqlite":
        return SqliteJobs(tmp_path / "jobs.db")
    from coderef.adapters.dynamodb_jobs import DynamoJobs

    client = request.getfixturevalue("moto_dynamodb")  # a new table for every test
    return DynamoJobs(aws.create_table(client, "JobsTable"), client=client)


def _job(n: int, status: str = OPEN, age_days: int = 0, **changes) -> JobPost:
    posted = NOW - timedelta(days=age_days, minutes=n)
    job = JobPost(
        id=f"job{n}",
        employer_id=changes.pop("employer_id", "emp1"),
        employer_email="hr@example.org",
        status=status,
        posted_at=iso(posted),
        approved_at=iso(posted) if status == OPEN else None,
        expires_at=iso(posted + timedelta(days=60)),
        title=f"Medical coder {n}",
        organization="Example Health",
        organization_website="https://example.org",
        arrangement="remote",
        city=None,
        state=None,
        employment_type="full-time",
        credentials_required=("CPC",),
        credentials_preferred=(),
        specialties=("outpatient",),
        experience="mid",
        salary_min=50_000,
        salary_max=60_000,
        salary_period="year",
        description="Code outpatient encounters.",
        apply="https://example.org/apply",
    )
    return replace(job, **changes)


def _ids(result):
    return [j.id for j in result[0]]


def test_a_post_is_kept_whole_and_listed_by_its_employer_newest_first(store):
    store.create_job(_job(1, PENDING, credentials_preferred=("CCS", "RHIT")))
    store.create_job(_job(2, PENDING, age_days=1))
    store.create_job(_job(3, PENDING, employer_id="emp2"))
    got = store.job("job1")
    assert got == _job(1, PENDING, credentials_preferred=("CCS", "RHIT"))
    assert [j.id for j in store.jobs_by_employer("emp1")] == ["job1", "job2"]
    assert store.job("nope") is None


def test_the_review_queue_holds_pending_posts_oldest_first(store):
    store.create_job(_job(1, PENDING))
    store.create_job(_job(2, PENDING, age_days=2))
    store.create_job(_job(3, OPEN))
    assert [j.id for j in store.jobs_by_status(PENDING)] == ["job2", "job1"]
    store.save_job(replace(store.job("job1"), status=REJECTED, reason="spam"))
    assert [j.id for j in store.jobs_by_status(PENDING)] == ["job2"]
    assert store.job("job1").reason == "spam"


def test_search_lists_only_open_unexpired_posts_newest_first(store):
    store.create_job(_job(1))
    store.create_job(_job(2, age_days=1))
    store.create_job(_job(3, PENDING))
    store.create_job(_job(4, REJECTED))
    store.create_job(_job(5, CLOSED))
    store.create_job(_job(6, age_days=61))  # expired a day ago
    hits, total = store.search(make_query(), NOW)
    assert [j.id for j in hits] == ["job1", "job2"] and total == 2


def test_search_matches_every_word_as_a_word_start(store):
    store.create_job(_job(1, title="Remote inpatient coder"))
    store.create_job(_job(2, title="Outpatient auditor", description="Audit charts."))
    assert _ids(store.search(make_query(q="inpat"), NOW)) == ["job1"]
    assert _ids(store.search(make_query(q="audit charts"), NOW)) == ["job2"]
    assert _ids(store.search(make_query(q="inpatient auditor"), NOW)) == []
    # Search syntax is only words: quotes and operators find nothing odd and never fail.
    assert _ids(store.search(make_query(q='"coder" ^(* -:'), NOW)) == ["job1"]


def test_filters_all_hold_at_once(store):
    store.create_job(_job(1, arrangement="on-site", city="Austin", state="TX"))
    store.create_job(_job(2, credentials_required=("CCS",), specialties=("inpatient",)))
    store.create_job(_job(3, salary_min=25, salary_max=30, salary_period="hour"))
    store.create_job(_job(4, age_days=10))
    assert _ids(store.search(make_query(state="TX"), NOW)) == ["job1"]
    assert _ids(store.search(make_query(arrangement="on-site"), NOW)) == ["job1"]
    assert _ids(store.search(make_query(credential="CCS"), NOW)) == ["job2"]
    assert _ids(store.search(make_query(specialty="inpatient"), NOW)) == ["job2"]
    # $30 an hour is $62,400 a year: above a 61,000 minimum, which the others are not.
    assert _ids(store.search(make_query(salary_min=61_000), NOW)) == ["job3"]
    assert _ids(store.search(make_query(posted_within_days=7), NOW)) == ["job1", "job2", "job3"]
    assert _ids(store.search(make_query(credential="CPC", q="coder 4"), NOW)) == ["job4"]


def test_search_pages_and_counts_and_can_put_best_match_first(store):
    for n in range(1, 6):
        store.create_job(_job(n, description="coding"))
    store.create_job(_job(9, age_days=3, title="Coding auditor", description="audit"))
    page, total = store.search(make_query(limit=2, offset=2), NOW)
    assert [j.id for j in page] == ["job3", "job4"] and total == 6
    best = store.search(make_query(q="coding", sort="best"), NOW)[0]
    assert best[0].id == "job9"  # the word in its title, though it is the oldest
    assert _ids(store.search(make_query(q="coding"), NOW))[0] == "job1"


def test_reports_count_each_reporter_once_and_can_be_cleared(store):
    store.create_job(_job(1))
    assert store.add_report("job1", "a") == 1
    assert store.add_report("job1", "a") == 1
    assert store.add_report("job1", "b") == 2
    assert store.job("job1").reports == 2
    store.save_job(replace(store.job("job1"), title="Edited"))
    assert store.job("job1").reports == 2
    store.clear_reports("job1")
    assert store.add_report("job1", "a") == 1


def test_an_edit_is_what_search_finds_next(store):
    store.create_job(_job(1, title="Biller", description="Bill claims."))
    store.save_job(replace(store.job("job1"), title="Auditor"))
    assert _ids(store.search(make_query(q="auditor"), NOW)) == ["job1"]
    assert _ids(store.search(make_query(q="biller"), NOW)) == []
    store.save_job(replace(store.job("job1"), status=PENDING))
    assert _ids(store.search(make_query(), NOW)) == []


def _alert(n: int, member: str = "m1") -> JobAlert:
    return JobAlert(
        id=f"alert{n}",
        member_id=member,
        email=f"{member}@example.org",
        filters={"credential": "CPC", "q": "coder"},
        created_at=iso(NOW + timedelta(minutes=n)),
        last_sent_at=iso(NOW),
        unsubscribe_hash="h",
    )


def test_saved_searches_are_kept_per_member_and_can_be_deleted(store):
    store.save_alert(_alert(1))
    store.save_alert(_alert(2))
    store.save_alert(_alert(3, member="m2"))
    assert [a.id for a in store.alerts_of("m1")] == ["alert1", "alert2"]
    assert store.alert("alert3") == _alert(3, member="m2")
    store.save_alert(replace(_alert(1), last_sent_at=iso(NOW + timedelta(days=1))))
    assert store.alert("alert1").last_sent_at == iso(NOW + timedelta(days=1))
    store.delete_alert("alert2")
    assert sorted(a.id for a in store.all_alerts()) == ["alert1", "alert3"]
