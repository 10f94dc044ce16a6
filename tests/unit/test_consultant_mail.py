"""Reading mail sent to the consultant: every bad input the issue names, with real MIME built
by Python's email package (or written by hand where a mail program would break it)."""

from email.message import EmailMessage

import pytest

from coderef.consultant.mail import UnreadableMail, html_to_text, read_mail, reply_to

OWN = "consult@coderef.localhost"


def _mail(body="Can E10.9 be coded with E11.9?", **headers) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Coder <Coder@Example.org>")
    msg["To"] = OWN
    msg["Subject"] = headers.pop("Subject", "Diabetes codes")
    msg["Message-ID"] = "<q1@example.org>"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_a_plain_question_is_read_with_its_sender_and_thread_headers():
    msg = _mail(
        In_Reply_To="<r1@coderef.localhost>", References="<q0@x.org> <r1@coderef.localhost>"
    )
    mail = read_mail(bytes(msg), OWN)
    assert mail.sender == "coder@example.org"
    assert mail.text == "Can E10.9 be coded with E11.9?"
    assert mail.message_id == "<q1@example.org>"
    assert mail.thread_ids == ["<r1@coderef.localhost>", "<q0@x.org>"]
    assert not mail.automatic and not mail.auth_failed and not mail.ask_human


def test_html_only_mail_is_read_as_its_text_without_markup_scripts_or_quotes():
    msg = _mail()
    msg.set_content(
        "<html><head><style>p{color:red}</style></head><body><p>Can <b>E10.9</b> be coded"
        " with E11.9?</p><script>alert(1)</script><div class='gmail_quote'>On Monday"
        " CodeRef wrote:<blockquote>old answer</blockquote></div></body></html>",
        subtype="html",
    )
    mail = read_mail(bytes(msg), OWN)
    assert mail.text == "Can E10.9 be coded with E11.9?"


def test_the_quoted_previous_reply_is_not_read_as_part_of_the_new_question():
    body = (
        "And what about E11.65?\n\n"
        "On Fri, Nov 27, 2026 at 10:00 AM CodeRef CaseConsultant"
        " <consult@coderef.localhost> wrote:\n"
        "> No: E10.9 and E11.9 are never coded together.\n"
        "> Sources: ...\n"
    )
    mail = read_mail(bytes(_mail(body)), OWN)
    assert mail.text == "And what about E11.65?"


@pytest.mark.parametrize(
    "headers, why",
    [
        ({"Auto_Submitted": "auto-replied"}, "auto-submitted"),
        ({"Precedence": "bulk"}, "precedence"),
        ({"Precedence": "auto_reply"}, "precedence"),
        ({"Return_Path": "<>"}, "null return path"),
        ({"X_Autoreply": "yes"}, "auto-reply header"),
        ({"From": "MAILER-DAEMON@mx.example.org"}, "daemon sender"),
        ({"From": OWN}, "daemon sender"),  # our own reply coming back
    ],
)
def test_auto_replies_and_bounces_are_marked_automatic(headers, why):
    mail = read_mail(bytes(_mail("I am out of the office.", **headers)), OWN)
    assert mail.automatic == why


def test_a_delivery_report_is_automatic_whatever_its_headers_say():
    raw = (
        b"From: Mail Delivery System <bounce@mx.example.org>\r\nTo: consult@coderef.localhost\r\n"
        b"Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert read_mail(raw, OWN).automatic == "report"


def test_attachments_are_counted_but_never_read():
    msg = _mail()
    msg.add_attachment(
        b"%PDF-1.4 Patient: Jane Doe", maintype="application", subtype="pdf", filename="notes.pdf"
    )
    msg.add_attachment("E99.9 is in here", filename="more.txt")
    mail = read_mail(bytes(msg), OWN)
    assert mail.attachments == 2
    assert mail.text == "Can E10.9 be coded with E11.9?"  # nothing of the attachments


@pytest.mark.parametrize(
    "header, value",
    [
        ("Authentication-Results", "amazonses.com; spf=fail smtp.mailfrom=x.org; dkim=none"),
        ("Authentication-Results", "mx.example; spf=pass; dkim=fail header.i=@x.org"),
        ("Received-SPF", "softfail (domain does not designate 203.0.113.9 as permitted sender)"),
        ("X-SES-Spam-Verdict", "FAIL"),
    ],
)
def test_spf_or_dkim_failures_are_noticed(header, value):
    assert read_mail(bytes(_mail(**{header.replace("-", "_"): value})), OWN).auth_failed


def test_passing_checks_are_not_failures():
    msg = _mail(Authentication_Results="amazonses.com; spf=pass; dkim=pass; dmarc=pass")
    assert not read_mail(bytes(msg), OWN).auth_failed


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: no sender\r\n\r\nCan E10.9 be coded with E11.9?\r\n",
        b"From: two@x.org, three@x.org\r\nSubject: two senders\r\n\r\nhello\r\n",
        # multipart without a boundary: the body's structure cannot be known
        b"From: a@x.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nhello\r\n",
        # a boundary that never starts
        b'From: a@x.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="zz"\r\n'
        b"\r\nno parts here\r\n",
        b"\x00\xff\xfe garbage",
    ],
)
def test_malformed_mail_is_unreadable(raw):
    with pytest.raises(UnreadableMail):
        read_mail(raw, OWN)


def test_a_mail_over_100_kb_is_unreadable():
    with pytest.raises(UnreadableMail):
        read_mail(bytes(_mail("x" * 110_000)), OWN)


def test_asking_for_a_human_is_noticed_in_subject_or_text():
    assert read_mail(bytes(_mail(Subject="[human] modifiers")), OWN).ask_human
    assert read_mail(bytes(_mail("Please ask a human: is 25 right here?")), OWN).ask_human


def test_html_to_text_keeps_blocks_on_their_own_lines():
    assert html_to_text("<p>One</p><p>Two<br>Three</p>") == "One\n\nTwo\nThree"


def test_a_reply_keeps_the_thread_and_says_it_is_automatic():
    reply = reply_to("coder@example.org", OWN, "Diabetes", "Body", ["<q0@x>", "<q1@x>"])
    assert reply["In-Reply-To"] == "<q1@x>"
    assert reply["References"] == "<q0@x> <q1@x>"
    assert reply["Subject"] == "Re: Diabetes"
    assert reply["Auto-Submitted"] == "auto-replied"
