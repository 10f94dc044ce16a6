"""CaseConsultant end to end on the local server's parts: real SMTP (aiosmtpd on a loopback
port), the SQLite stores, CasePilot over the fixture catalog, and replies in var/outbox/."""

from __future__ import annotations

import logging
import smtplib
import socket
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid

import pytest

from coderef.adapters.smtp_listener import start_smtp
from coderef.cli import main as coderef
from tests.conftest import new_client, register

OWN = "consult@coderef.localhost"


@pytest.fixture(scope="module")
def smtp_port(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = start_smtp(OWN, app.state.services.consultant.receive, "127.0.0.1", port)
    yield port
    controller.stop()


def _question(sender: str, text: str, subject="Diabetes codes", **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OWN
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.org")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


def _send(port: int, msg: EmailMessage, mail_from: str | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg, from_addr=mail_from if mail_from is not None else msg["From"])


def _replies(app, to: str) -> list[EmailMessage]:
    outbox = app.state.services.settings.outbox_dir
    found = []
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if msg["To"] == to:
            found.append(msg)
    return found


def _wait_for_replies(app, to: str, count: int) -> list[EmailMessage]:
    deadline = time.monotonic() + 20  # the bound: a reply within 20 seconds
    while time.monotonic() < deadline:
        replies = _replies(app, to)
        if len(replies) >= count:
            return replies
        time.sleep(0.1)
    return _replies(app, to)


def test_a_members_mail_gets_the_grounded_answer_in_the_same_thread(app, smtp_port):
    # Given a registered member with a confirmed address
    email = register(new_client(app))
    # When they mail the consultant address
    question = _question(email, "Can E10.9 be coded with E11.9?")
    _send(smtp_port, question)
    # Then a reply lands in the outbox, to them, in the same thread
    (reply,) = _wait_for_replies(app, email, 1)
    assert reply["In-Reply-To"] == question["Message-ID"]
    assert question["Message-ID"] in reply["References"]
    assert reply["Subject"] == "Re: Diabetes codes"
    assert reply["Auto-Submitted"] == "auto-replied"
    body = reply.get_content()
    # stating the Excludes1 rule, with links to the codes' CodeRef pages
    assert "No: E10.9 and E11.9 are not coded together." in body
    assert "Excludes1 means the two are never coded together." in body
    assert (
        "E10.9 Type 1 diabetes mellitus without complications: http://127.0.0.1:8000/code/icd10cm/E10.9"
        in body
    )
    assert "http://127.0.0.1:8000/code/icd10cm/E11.9" in body
    assert "comes from the code sets loaded in CodeRef" in body
    assert "kept for 30 days" in body


def test_a_follow_up_in_the_thread_is_read_with_the_earlier_questions_code(app, smtp_port):
    email = register(new_client(app))
    first = _question(email, "What is E11.9?")
    _send(smtp_port, first)
    (reply,) = _wait_for_replies(app, email, 1)
    # When the member replies to the answer, quoting it, asking about "it"
    follow = _question(
        email,
        "Can it be coded with E10.9?\n\nOn Fri, CodeRef CaseConsultant wrote:\n> E11.9 is ...\n",
        subject="Re: Diabetes codes",
        In_Reply_To=reply["Message-ID"],
        References=f"{first['Message-ID']} {reply['Message-ID']}",
    )
    _send(smtp_port, follow)
    replies = _wait_for_replies(app, email, 2)
    # Then the answer is about E11.9 (the thread's code) and E10.9, in the same thread
    assert replies[1]["In-Reply-To"] == follow["Message-ID"]
    assert "E11.9 and E10.9 are not coded together" in replies[1].get_content()
    threads = app.state.services.consultant.store.threads_of(
        app.state.services.accounts.user_by_email(email)[0].id, int(time.time())
    )
    assert len(threads) == 1  # one thread, two questions


def test_an_unregistered_sender_gets_one_registration_reply_a_day(app, smtp_port):
    stranger = "stranger-1@example.net"
    _send(smtp_port, _question(stranger, "Can E10.9 be coded with E11.9?"))
    _send(smtp_port, _question(stranger, "Hello again?"))
    replies = _wait_for_replies(app, stranger, 1)
    time.sleep(0.3)
    replies = _replies(app, stranger)
    assert len(replies) == 1
    body = replies[0].get_content()
    assert "/register" in body and "not read or kept" in body
    assert "E10.9" not in body  # no answer for non-members


def test_an_unconfirmed_member_gets_the_confirmation_hint_not_an_answer(app, smtp_port):
    email = register(new_client(app), confirm=False)
    _send(smtp_port, _question(email, "Can E10.9 be coded with E11.9?"))
    (reply,) = _wait_for_replies(app, email, 1)
    assert "confirmed" in reply.get_content() and "Excludes1" not in reply.get_content()


@pytest.mark.parametrize(
    "headers, envelope_from",
    [
        ({}, ""),  # a bounce: the empty envelope sender
        ({"Auto_Submitted": "auto-replied"}, None),
        ({"Precedence": "junk"}, None),
        ({"Authentication_Results": "mx; spf=fail smtp.mailfrom=example.net"}, None),
    ],
)
def test_bounces_auto_replies_and_forged_senders_get_nothing(
    app, smtp_port, headers, envelope_from
):
    sender = f"robot-{len(headers)}-{envelope_from}-{time.monotonic_ns()}@example.net"
    _send(smtp_port, _question(sender, "Out of office", **headers), mail_from=envelope_from)
    time.sleep(0.3)
    assert _replies(app, sender) == []


def test_a_members_bounce_gets_nothing_either(app, smtp_port):
    email = register(new_client(app))
    _send(smtp_port, _question(email, "Delivery failed: Can E10.9 be coded?"), mail_from="")
    time.sleep(0.3)
    assert _replies(app, email) == []


def test_unknown_recipients_are_refused_at_smtp(smtp_port):
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("someone@example.org")
        code, _ = smtp.rcpt("postmaster@coderef.localhost")
        assert code == 550


def test_messages_over_100_kb_are_refused_at_smtp(app, smtp_port):
    email = register(new_client(app))
    big = _question(email, "Can E10.9 be coded with E11.9?\n" + "x" * 110_000)
    with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused)) as refused:
        _send(smtp_port, big)
    assert refused.value.smtp_code == 552
    assert _replies(app, email) == []


def test_malformed_mime_is_accepted_but_never_answered(app, smtp_port):
    email = register(new_client(app))
    raw = (
        f"From: {email}\r\nTo: {OWN}\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed\r\n\r\nCan E10.9 be coded with E11.9?\r\n"
    ).encode()
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
        smtp.sendmail(email, [OWN], raw)
    time.sleep(0.3)
    assert _replies(app, email) == []


def test_an_html_only_mail_with_an_attachment_is_answered_and_says_it_was_not_read(app, smtp_port):
    email = register(new_client(app))
    msg = _question(email, "")
    msg.set_content("<p>Can <b>E10.9</b> be coded with E11.9?</p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="chart.pdf")
    _send(smtp_port, msg)
    (reply,) = _wait_for_replies(app, email, 1)
    body = reply.get_content()
    assert "No: E10.9 and E11.9 are not coded together." in body
    assert "attachments are not read" in body


def test_the_daily_limit_stops_answers_with_one_notice(app, smtp_port):
    services = app.state.services
    email = register(new_client(app))
    limit = services.consultant.policy.questions_per_day
    for n in range(limit + 2):
        _send(smtp_port, _question(email, f"What is E11.9? ({n})", subject=f"q{n}"))
    replies = _wait_for_replies(app, email, limit + 1)
    time.sleep(0.3)
    replies = _replies(app, email)
    assert len(replies) == limit + 1  # the answers, then one notice, then nothing
    assert "daily limit" in replies[-1].get_content()


def test_the_review_queue_journey(app, smtp_port, tmp_path, capsys, monkeypatch):
    services = app.state.services
    monkeypatch.setenv("CODEREF_DATA_DIR", str(services.settings.data_dir))
    client = new_client(app)
    email = register(client)
    # Given a question the engine cannot answer from the data (nothing in it names a code or a
    # condition of the loaded code sets)
    question = _question(email, "What does my payer's policy say about zyxqv wobbletrons?")
    _send(smtp_port, question)
    (ack,) = _wait_for_replies(app, email, 1)
    assert "with a CodeRef coder" in ack.get_content()
    # Then the member's page shows it waiting for a coder
    (thread,) = client.get("/api/consultant/threads").json()["threads"]
    assert thread["status"] == "waiting_for_coder"
    assert thread["status_label"] == "waiting for a coder"
    # And the operator finds it in the queue
    assert coderef(["consult", "list"]) == 0
    assert thread["id"] in capsys.readouterr().out
    assert coderef(["consult", "show", thread["id"]]) == 0
    shown = capsys.readouterr().out
    assert "zyxqv wobbletrons" in shown and "member" in shown
    # When the operator answers from a file
    answer = tmp_path / "reply.md"
    answer.write_text("Sequence the reason for the encounter first (see Z71.89).\n")
    assert coderef(["consult", "answer", thread["id"], "--file", str(answer)]) == 0
    assert f"answer mailed to {email}" in capsys.readouterr().out
    # Then the answer is mailed in the thread
    replies = _wait_for_replies(app, email, 2)
    assert "Sequence the reason for the encounter first" in replies[1].get_content()
    assert replies[1]["In-Reply-To"] == ack["Message-ID"]
    assert question["Message-ID"] in replies[1]["References"]
    # And the page says a coder answered, and the queue is empty of it
    (thread,) = client.get("/api/consultant/threads").json()["threads"]
    assert thread["status"] == "answered_by_coder"
    assert coderef(["consult", "list"]) == 0
    assert thread["id"] not in capsys.readouterr().out


def test_the_cli_refuses_an_unknown_thread_and_an_empty_answer(app, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODEREF_DATA_DIR", str(app.state.services.settings.data_dir))
    assert coderef(["consult", "show", "0" * 32]) == 1
    empty = tmp_path / "empty.md"
    empty.write_text("  \n")
    client = new_client(app)
    register(client)
    asked = client.post("/api/consultant/threads", json={"question": "x", "ask_human": True}).json()
    assert coderef(["consult", "answer", asked["thread"]["id"], "--file", str(empty)]) == 1
    assert (
        coderef(["consult", "answer", asked["thread"]["id"], "--file", str(tmp_path / "none")]) == 1
    )
    assert "cannot read" in capsys.readouterr().err


def test_the_local_server_takes_mail_on_the_configured_port_and_stops(fixture_settings, tmp_path):
    # Given the local app as `coderef serve` builds it, with CODEREF_SMTP_PORT set
    from coderef.local import create_local_app, start_consultant_mail

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_local_app(fixture_settings.model_copy(update={"smtp_port": port}))
    stop = start_consultant_mail(app)
    try:
        # Then it takes mail for the consultant address there, and only for it
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            smtp.mail("a@example.org")
            assert smtp.rcpt(OWN)[0] == 250
            assert smtp.rcpt("other@coderef.localhost")[0] == 550
    finally:
        stop()
    # And once stopped it listens no more
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=5)


def test_question_text_is_never_logged(app, smtp_port, caplog):
    # Given a question holding made-up patient details, with every logger at DEBUG
    caplog.set_level(logging.DEBUG)
    email = register(new_client(app))
    secret = "Patient Quintessa Marlowe-Vance DOB 1961-04-02"
    _send(smtp_port, _question(email, f"{secret}: can E10.9 be coded with E11.9?"))
    _send(smtp_port, _question("stranger-2@example.net", secret))
    _wait_for_replies(app, email, 1)
    client = new_client(app)
    register(client)
    client.post("/api/consultant/threads", json={"question": secret, "ask_human": True})
    # Then the logs say what happened, never what was written
    assert "consultant:" in caplog.text
    assert "Quintessa" not in caplog.text


def test_the_site_still_serves_when_the_smtp_port_is_taken(fixture_settings, caplog):
    from coderef.local import create_local_app, start_consultant_mail

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = create_local_app(fixture_settings.model_copy(update={"smtp_port": port}))
        stop = start_consultant_mail(app)
        stop()
    assert "CaseConsultant mail is off" in caplog.text


def test_coderef_serve_listens_for_mail_while_it_serves_and_stops_after(
    fixture_settings, monkeypatch
):
    # Given `coderef serve` on the fixture data (the bundled import and the web server itself
    # stand aside: the test looks at the mail side while "serving")
    import uvicorn

    from coderef.codesets import pipeline

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CODEREF_DATA_DIR", str(fixture_settings.data_dir))
    monkeypatch.setenv("CODEREF_SMTP_PORT", str(port))
    monkeypatch.setattr(pipeline, "ensure_bundled", lambda *args, **kwargs: [])
    seen = []

    def serving(app, **options):
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            smtp.mail("a@example.org")
            seen.append(smtp.rcpt(OWN)[0])

    monkeypatch.setattr(uvicorn, "run", serving)
    # When it runs, then mail for the consultant is taken while it serves
    assert coderef(["serve"]) == 0
    assert seen == [250]
    # And the listener stops with the server
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=5)
