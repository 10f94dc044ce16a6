"""Faults: a store that fails mid-request answers 503 and charges nothing; nothing is lost
when a writer process is killed; a killed import leaves the previous release serving."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from coderef.adapters.outbox_mailer import OutboxMailer
from coderef.adapters.sqlite_accounts import SqliteAccounts
from coderef.adapters.sqlite_catalog import SqliteCatalog
from coderef.api.app import create_app
from coderef.api.services import Services
from tests import aws
from tests.conftest import CM_FIXTURE, register

ROOT = Path(__file__).resolve().parents[2]


def _app_with_accounts(settings, accounts):
    services = Services(
        settings=settings,
        catalog=SqliteCatalog(settings.catalog_path),
        accounts=accounts,
        mailer=OutboxMailer(settings.outbox_dir),
    )
    return create_app(services)


def _browser(app):
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False)


def test_a_locked_account_store_answers_503_with_retry_after_and_charges_nothing(
    fixture_settings, tmp_path
):
    # Given a member with views, on an account store another process holds locked
    settings = fixture_settings.model_copy(update={"data_dir": tmp_path})
    tmp_path.joinpath("catalog.db").symlink_to(fixture_settings.catalog_path)
    tmp_path.joinpath("search.db").symlink_to(fixture_settings.index_path)
    accounts = SqliteAccounts(settings.accounts_path, busy_timeout_ms=200)
    app = _app_with_accounts(settings, accounts)
    browser = _browser(app)
    register(browser)
    before = browser.get("/api/me").json()["meter"]["remaining"]
    locker = sqlite3.connect(settings.accounts_path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        # When the member opens a new code
        response = browser.get("/api/codes/icd10cm/R00.2")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    # Then the answer is 503 with Retry-After in the error shape, and nothing was charged
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert int(response.headers["retry-after"]) > 0
    me = browser.get("/api/me").json()
    assert me["meter"]["remaining"] == before
    assert me["unlocked"] == []


class TurnsReadOnly(SqliteAccounts):
    """The real adapter, with a switch that makes its writes fail as on a read-only disk
    (the tests run as root, which ignores file modes)."""

    read_only = False

    @contextmanager
    def _tx(self):
        with super()._tx() as conn:
            conn.execute(f"PRAGMA query_only = {'ON' if self.read_only else 'OFF'}")
            yield conn


def test_a_read_only_account_store_answers_503_and_charges_nothing(fixture_settings, tmp_path):
    settings = fixture_settings.model_copy(update={"data_dir": tmp_path})
    tmp_path.joinpath("catalog.db").symlink_to(fixture_settings.catalog_path)
    tmp_path.joinpath("search.db").symlink_to(fixture_settings.index_path)
    accounts = TurnsReadOnly(settings.accounts_path)
    app = _app_with_accounts(settings, accounts)
    browser = _browser(app)
    register(browser)
    before = browser.get("/api/me").json()["meter"]
    # When the store turns read-only under the running process
    accounts.read_only = True
    response = browser.get("/api/codes/icd10cm/R00.2")
    accounts.read_only = False
    # Then the page is 503, and the meter is as it was
    assert response.status_code == 503
    assert browser.get("/api/me").json()["meter"] == before


WRITER = textwrap.dedent(
    """
    import sys
    from coderef.accounts.model import User
    from coderef.adapters.sqlite_accounts import SqliteAccounts

    accounts = SqliteAccounts(sys.argv[1])
    n = 0
    while True:
        n += 1
        user = User(id=f"user{n}", email=f"u{n}@example.org", plan="free",
                    created_at="2026-11-27T00:00:00+00:00")
        accounts.create_user(user, "hash", 3, None)
        accounts.charge_view(f"u:user{n}", "icd10cm", "R001", "t")
        print(n, flush=True)  # acknowledged: both writes are committed
    """
)


@pytest.mark.kill
def test_killing_a_writer_mid_stream_loses_no_acknowledged_account_or_charge(tmp_path):
    # Given a real process writing accounts and charges as fast as it can
    db = tmp_path / "accounts.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    acknowledged = 0
    deadline = time.monotonic() + 60
    while acknowledged < 200 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged = int(line)
    # When it is killed with SIGKILL in the middle of its writes
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert acknowledged >= 200, "the writer did not get going"
    # Then the store opens cleanly and every acknowledged account and charge is there
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    accounts = SqliteAccounts(db)
    for n in range(1, acknowledged + 1):
        meter = accounts.meter(f"u:user{n}")
        assert meter is not None and meter.remaining == 2, n
        assert [u.key for u in accounts.unlocked(f"u:user{n}")] == ["R001"]


def _big_tabular(path: Path, categories: int) -> Path:
    """A large, valid tabular file in the fixture's layout, so an import takes a while."""
    letters = "ABCDEFGHJKLMNPRSTVWY"
    diags = []
    for i in range(categories):
        cat = f"{letters[i // 100 % len(letters)]}{i % 100:02d}"
        if i // 100 >= len(letters):
            break
        kids = "".join(
            f"<diag><name>{cat}.{d}</name><desc>Synthetic condition {cat}.{d}</desc></diag>"
            for d in range(10)
        )
        diags.append(f"<diag><name>{cat}</name><desc>Synthetic category {cat}</desc>{kids}</diag>")
    xml = (
        '<?xml version="1.0" encoding="utf-8"?><ICD10CM.tabular><version>2027</version>'
        "<chapter><name>1</name><desc>Synthetic chapter</desc>"
        '<section id="A00-Y99"><desc>Synthetic block</desc>'
        + "".join(diags)
        + "</section></chapter></ICD10CM.tabular>"
    )
    path.write_text(xml)
    return path


@pytest.mark.kill
@pytest.mark.parametrize("kill_after_wal_bytes", [1])
def test_killing_an_import_mid_write_leaves_the_previous_release_serving(
    tmp_path, kill_after_wal_bytes
):
    # Given a data directory serving the fixture release
    env = {**os.environ, "CODEREF_DATA_DIR": str(tmp_path)}
    coderef = str(Path(sys.executable).parent / "coderef")
    subprocess.run(
        [coderef, "import", "--system", "icd10cm", "--source", str(CM_FIXTURE)],
        env=env,
        check=True,
        capture_output=True,
    )
    big = _big_tabular(tmp_path / "icd10cm-tabular-October-1-2027.xml", 2000)
    # When a big import is killed once it has started writing its release
    proc = subprocess.Popen(
        [coderef, "import", "--system", "icd10cm", "--source", str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = tmp_path / "catalog.db-wal"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > kill_after_wal_bytes * 1024 * 1024:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Then the previous release still answers, whole, and the store is intact
    catalog = SqliteCatalog(tmp_path / "catalog.db")
    assert [r.id for r in catalog.releases()] == ["icd10cm-2026-04"]
    assert catalog.get("icd10cm", "R001").title == "Bradycardia, unspecified"
    assert catalog.get("icd10cm", "A001") is None
    conn = sqlite3.connect(tmp_path / "catalog.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert (
        conn.execute("SELECT count(*) FROM codes WHERE release = 'icd10cm-2027-10'").fetchone()[0]
        == 0
    )


DYNAMODB_FAULTS = [
    ("ThrottlingException", 400),
    ("ProvisionedThroughputExceededException", 400),
    ("InternalServerError", 500),
]


@pytest.fixture(scope="module")
def moto_dynamodb():
    # moto's server, not its in-process mock: the mock answers from its own before-send hook,
    # which would apply a write even when the injected fault is what the client sees.
    with aws.moto_server() as endpoint:
        yield aws.dynamodb_at(endpoint)


@pytest.mark.parametrize(
    ("operation", "path"),
    [("TransactWriteItems", "/api/codes/icd10cm/R00.2"), ("GetItem", "/api/me")],
    ids=["page-charge", "session-read"],
)
@pytest.mark.parametrize(("code", "status"), DYNAMODB_FAULTS)
@pytest.mark.moto_server
def test_a_failing_dynamodb_account_store_answers_503_and_charges_nothing(
    fixture_settings, moto_dynamodb, operation, path, code, status
):
    # Given a member with views, on the DynamoDB account store
    from coderef.adapters.dynamodb_accounts import DynamoAccounts

    accounts = DynamoAccounts(aws.create_table(moto_dynamodb, "AccountsTable"), moto_dynamodb)
    browser = _browser(_app_with_accounts(fixture_settings, accounts))
    register(browser)
    before = browser.get("/api/me").json()["meter"]
    faults = aws.DynamoDBFaults(moto_dynamodb)
    # When DynamoDB keeps failing that call (throttled, over capacity, or broken): the page's
    # charge, or the session read behind /api/me
    faults.fail(operation, code, status)
    try:
        response = browser.get(path)
    finally:
        faults.clear()
    # Then the reader gets 503 in the error shape with Retry-After, after the client's retries
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert int(response.headers["retry-after"]) > 0
    assert faults.sent.count(operation) >= 2
    # And once DynamoDB recovers, nothing was charged or unlocked
    me = browser.get("/api/me").json()
    assert me["meter"] == before
    assert me["unlocked"] == []


CONFLICT = {"CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}]}


def _guest_meter(accounts, window_key: str):
    from coderef.accounts.model import WindowCount

    window = WindowCount(key=window_key, limit=20, expires_at=2_000_000_000)
    return accounts.create_meter(
        f"g:{window_key}", 1, "free", first=("icd10cm", "R001", "t"), counted_in=window
    )


def test_first_visits_behind_one_nat_survive_transaction_conflicts(moto_dynamodb):
    # Given the DynamoDB account store, where another first visit from the same address holds
    # the address's window item in a transaction of its own (DynamoDB cancels ours)
    from coderef.adapters.dynamodb_accounts import DynamoAccounts

    pauses: list[float] = []
    table = aws.create_table(moto_dynamodb, "AccountsTable")
    accounts = DynamoAccounts(table, moto_dynamodb, sleep=pauses.append)
    faults = aws.DynamoDBFaults(moto_dynamodb)
    faults.fail("TransactWriteItems", "TransactionCanceledException", times=2, body=CONFLICT)
    # When a new guest's meter is created and counted in that window
    meter = _guest_meter(accounts, "nat-1")
    # Then it is created after two short random pauses, and counted once
    assert meter.remaining == 1
    assert faults.sent.count("TransactWriteItems") == 3
    assert len(pauses) == 2 and all(0 <= p <= 0.02 for p in pauses)
    assert accounts.count_window("nat-1") == 1


def test_conflicts_that_do_not_clear_answer_busy_and_create_nothing(moto_dynamodb):
    from coderef.adapters.dynamodb_accounts import DynamoAccounts
    from coderef.errors import ServiceUnavailable

    table = aws.create_table(moto_dynamodb, "AccountsTable")
    accounts = DynamoAccounts(table, moto_dynamodb, sleep=lambda _: None)
    faults = aws.DynamoDBFaults(moto_dynamodb)
    faults.fail("TransactWriteItems", "TransactionCanceledException", body=CONFLICT)
    try:
        with pytest.raises(ServiceUnavailable):
            _guest_meter(accounts, "nat-2")
    finally:
        faults.clear()
    assert faults.sent.count("TransactWriteItems") == 5
    assert accounts.meter("g:nat-2") is None
    assert accounts.count_window("nat-2") == 0
