"""The /api/consultant routes behind the /consultant page."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from tests.conftest import new_client, register


def _mailed_to(app, email):
    outbox = app.state.services.settings.outbox_dir
    return [
        m
        for p in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        if (m := BytesParser(policy=policy.default).parsebytes(p.read_bytes()))["To"] == email
    ]


def test_anyone_sees_the_address_and_the_retention_notice(client):
    info = client.get("/api/consultant").json()
    assert info == {
        "address": "consult@coderef.localhost",
        "retention_days": 30,
        "questions_per_day": 10,
        "site_url": "http://127.0.0.1:8000",
    }


def test_a_guest_cannot_list_or_ask(client):
    assert client.get("/api/consultant/threads").status_code == 401
    response = client.post("/api/consultant/threads", json={"question": "What is E11.9?"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_signed_in"


def test_a_members_question_is_answered_on_the_page_and_mailed(app, member):
    response = member.post(
        "/api/consultant/threads", json={"question": "Can E10.9 be coded with E11.9?"}
    )
    assert response.status_code == 201, response.text
    asked = response.json()
    assert asked["thread"]["status"] == "answered_automatically"
    assert asked["answer"]["details"]["verdict"] == "excludes1"
    assert "Excludes1 means the two are never coded together." in asked["reply"]
    email = member.get("/api/me").json()["user"]["email"]
    (mailed,) = _mailed_to(app, email)
    assert mailed.get_content().strip() == asked["reply"].strip()
    detail = member.get(f"/api/consultant/threads/{asked['thread']['id']}").json()
    assert [m["role"] for m in detail["messages"]] == ["member", "consultant"]


def test_threads_come_newest_first_and_a_member_can_delete_one(member):
    first = member.post("/api/consultant/threads", json={"question": "What is E11.9?"}).json()
    second = member.post(
        "/api/consultant/threads", json={"question": "What is E10.9?", "ask_human": True}
    ).json()
    assert second["thread"]["status"] == "waiting_for_coder" and second["answer"] is None
    listed = member.get("/api/consultant/threads").json()["threads"]
    assert [t["id"] for t in listed] == [second["thread"]["id"], first["thread"]["id"]]
    assert member.delete(f"/api/consultant/threads/{first['thread']['id']}").status_code == 204
    listed = member.get("/api/consultant/threads").json()["threads"]
    assert [t["id"] for t in listed] == [second["thread"]["id"]]
    assert member.get(f"/api/consultant/threads/{first['thread']['id']}").status_code == 404


def test_another_members_thread_is_not_found_and_not_deleted(app, member):
    asked = member.post("/api/consultant/threads", json={"question": "What is E11.9?"}).json()
    other = new_client(app)
    register(other)
    thread_url = f"/api/consultant/threads/{asked['thread']['id']}"
    assert other.get(thread_url).status_code == 404
    assert other.delete(thread_url).json()["error"]["code"] == "thread_not_found"
    assert member.get(thread_url).status_code == 200


def test_bad_input_is_refused_and_changes_nothing(member):
    for body in ({"question": "   "}, {"question": "x" * 2500}, {"question": 5}, {}):
        response = member.post("/api/consultant/threads", json=body)
        assert response.status_code == 400, body
        assert set(response.json()["error"]) >= {"code", "message"}
    assert member.get("/api/consultant/threads/not-an-id").status_code == 400
    assert member.delete("/api/consultant/threads/" + "Z" * 32).status_code == 400
    assert member.get("/api/consultant/threads").json()["threads"] == []


def test_an_unconfirmed_member_is_asked_to_confirm_first(app):
    client = new_client(app)
    register(client, confirm=False)
    response = client.post("/api/consultant/threads", json={"question": "What is E11.9?"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_not_confirmed"


def test_the_daily_limit_answers_429(app):
    client = new_client(app)
    register(client)
    for n in range(10):
        assert (
            client.post(
                "/api/consultant/threads", json={"question": f"What is E11.{n}?"}
            ).status_code
            == 201
        )
    response = client.post("/api/consultant/threads", json={"question": "What is E11.9?"})
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_other_methods_are_refused_with_every_allowed_method_named(client):
    response = client.options("/api/consultant/threads")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, POST"
    response = client.put("/api/consultant/threads/" + "a" * 32)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, DELETE"
    assert response.json()["error"]["code"] == "method_not_allowed"
