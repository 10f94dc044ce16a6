"""The ConsultantStore contract, run unchanged against SQLite on a temporary file and
DynamoDB on moto with the table made from template.yaml's own definition."""

import pytest

from coderef.adapters.sqlite_consultant import SqliteConsultant
from coderef.consultant.model import Message, Role, Thread, ThreadStatus
from tests import aws

NOW = 2_000_000_000
LATER = NOW + 30 * 86400


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return SqliteConsultant(tmp_path / "consultant.db")
    from coderef.adapters.dynamodb_consultant import DynamoConsultant

    client = request.getfixturevalue("moto_dynamodb")
    return DynamoConsultant(aws.create_table(client, "ConsultantTable"), client=client)


def _thread(
    n=1,
    user="u1",
    status=ThreadStatus.WAITING_FOR_CODER,
    updated="2026-11-27T10:00:00+00:00",
    expires=LATER,
):
    return Thread(
        id=f"{n:032x}",
        user_id=user,
        email=f"{user}@example.org",
        subject=f"Question {n}",
        status=status,
        created_at=updated,
        updated_at=updated,
        expires_at=expires,
    )


def test_a_thread_is_stored_with_its_messages_in_order(store):
    thread = _thread()
    store.create_thread(thread)
    store.add_message(
        Message(thread.id, 1, Role.MEMBER, "Can E10.9 be coded with E11.9?", "t1", "<q@x>"), LATER
    )
    store.add_message(Message(thread.id, 2, Role.CONSULTANT, "No.", "t2", "<r@y>"), LATER)
    assert store.thread(thread.id, NOW) == thread
    assert [(m.seq, m.role, m.text) for m in store.messages(thread.id)] == [
        (1, Role.MEMBER, "Can E10.9 be coded with E11.9?"),
        (2, Role.CONSULTANT, "No."),
    ]


def test_a_reply_to_any_message_of_a_thread_finds_it(store):
    thread = _thread()
    store.create_thread(thread)
    store.add_message(Message(thread.id, 1, Role.MEMBER, "q", "t1", "<q@x>"), LATER)
    store.add_message(Message(thread.id, 2, Role.CONSULTANT, "a", "t2", "<r@y>"), LATER)
    assert store.thread_for_mail(["<unknown@z>", "<r@y>"], NOW).id == thread.id
    assert store.thread_for_mail(["<unknown@z>"], NOW) is None


def test_an_update_keeps_status_context_and_references(store):
    thread = _thread()
    store.create_thread(thread)
    changed = Thread(
        **{
            **thread.__dict__,
            "status": ThreadStatus.ANSWERED_AUTOMATICALLY,
            "updated_at": "2026-11-27T11:00:00+00:00",
            "context_system": "icd10cm",
            "context_code": "E10.9",
            "references": ("<q@x>", "<r@y>"),
        }
    )
    store.update_thread(changed)
    assert store.thread(thread.id, NOW) == changed


def test_a_members_threads_come_newest_first_and_only_theirs(store):
    store.create_thread(_thread(1, updated="2026-11-27T09:00:00+00:00"))
    store.create_thread(_thread(2, updated="2026-11-27T11:00:00+00:00"))
    store.create_thread(_thread(3, user="u2"))
    assert [t.id for t in store.threads_of("u1", NOW)] == [f"{2:032x}", f"{1:032x}"]


def test_the_queue_holds_only_threads_waiting_for_a_coder_oldest_first(store):
    store.create_thread(_thread(1, updated="2026-11-27T11:00:00+00:00"))
    store.create_thread(_thread(2, updated="2026-11-27T09:00:00+00:00"))
    store.create_thread(_thread(3, status=ThreadStatus.ANSWERED_AUTOMATICALLY))
    assert [t.id for t in store.waiting(NOW)] == [f"{2:032x}", f"{1:032x}"]
    answered = Thread(**{**_thread(2).__dict__, "status": "answered_by_coder"})
    store.update_thread(answered)
    assert [t.id for t in store.waiting(NOW)] == [f"{1:032x}"]


def test_a_deleted_thread_leaves_nothing_behind(store):
    thread = _thread()
    store.create_thread(thread)
    store.add_message(Message(thread.id, 1, Role.MEMBER, "q", "t1", "<q@x>"), LATER)
    store.delete_thread(thread.id)
    assert store.thread(thread.id, NOW) is None
    assert store.messages(thread.id) == []
    assert store.thread_for_mail(["<q@x>"], NOW) is None
    assert store.threads_of("u1", NOW) == [] and store.waiting(NOW) == []


def test_an_expired_thread_is_never_returned_and_the_sweep_removes_it(store):
    old = _thread(1, expires=NOW - 1)
    store.create_thread(old)
    store.add_message(Message(old.id, 1, Role.MEMBER, "q", "t1", "<q@x>"), NOW - 1)
    store.create_thread(_thread(2))
    assert store.thread(old.id, NOW) is None
    assert store.thread_for_mail(["<q@x>"], NOW) is None
    assert [t.id for t in store.threads_of("u1", NOW)] == [f"{2:032x}"]
    assert [t.id for t in store.waiting(NOW)] == [f"{2:032x}"]
    store.sweep(NOW)
    assert store.thread(f"{2:032x}", NOW) is not None
