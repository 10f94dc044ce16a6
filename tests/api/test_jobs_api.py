"""CareerCenter through HTTP and the operator's CLI: post, review, find, open, expire."""

from datetime import UTC, datetime, timedelta

import pytest

from coderef import cli
from tests.conftest import new_client, register

START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def job_body(**changes):
    body = {
        "title": "Remote outpatient coder",
        "organization": "Example Health",
        "organization_website": "https://example.org",
        "arrangement": "remote",
        "employment_type": "full-time",
        "credentials_required": ["CPC"],
        "credentials_preferred": ["CCS"],
        "specialties": ["outpatient", "E/M"],
        "experience": "mid",
        "salary_min": 55000,
        "salary_max": 65000,
        "salary_period": "year",
        "description": "Code **outpatient** visits.\n\n- E/M levels\n- modifiers",
        "apply": "https://example.org/careers/42",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(app.state.services.job_board, "clock", clock)
    # The operator's `coderef jobs` board too: an approval made "now" is on the same calendar
    monkeypatch.setattr("coderef.jobs.service.utc_now", clock)
    return clock


@pytest.fixture
def operator(app, monkeypatch, capsys):
    """`coderef jobs ...` on the same data directory as the app (the operator's shell)."""
    monkeypatch.setenv("CODEREF_DATA_DIR", str(app.state.services.settings.data_dir))

    def run(*argv: str) -> str:
        capsys.readouterr()
        assert cli.main(["jobs", *argv]) == 0
        return capsys.readouterr().out

    return run


def outbox_mail(app, to: str) -> str:
    outbox = app.state.services.settings.outbox_dir
    mails = sorted(outbox.glob("*.txt"), key=lambda p: p.stat().st_mtime_ns)
    texts = [p.read_text() for p in mails if p.read_text().startswith(f"To: {to}\n")]
    assert texts, f"no mail to {to}"
    return texts[-1]


def test_post_approve_find_open_expire_journey(app, member, clock, operator):
    # Given a member who posts a job with a unique title word
    word = "Zephyrcoder"
    posted = member.post("/api/jobs", json=job_body(title=f"{word} for E/M clinic"))
    assert posted.status_code == 202 and posted.json()["status"] == "pending"
    job_id = posted.json()["id"]
    visitor = new_client(app)
    # Then, pending, it is nowhere public
    assert visitor.get(f"/api/jobs/{job_id}").status_code == 404
    assert visitor.get("/api/jobs", params={"q": word}).json()["total"] == 0
    # When the operator sees it in the queue and approves it
    assert job_id in operator("pending")
    assert word in operator("show", job_id)
    operator("approve", job_id)
    # Then the employer was mailed, and a visitor finds it by credential and a title word
    assert "approved" in outbox_mail(app, _email(member))
    found = visitor.get("/api/jobs", params={"q": word.lower(), "credential": "CCS"}).json()
    assert [j["id"] for j in found["jobs"]] == [job_id]
    assert visitor.get("/api/jobs", params={"q": word, "credential": "RHIA"}).json()["total"] == 0
    # And opens its page, with schema.org JobPosting data and the description made safe HTML
    page = visitor.get(f"/api/jobs/{job_id}")
    assert page.status_code == 200
    data = page.json()
    assert data["json_ld"]["@type"] == "JobPosting"
    assert data["json_ld"]["hiringOrganization"]["name"] == "Example Health"
    assert data["json_ld"]["jobLocationType"] == "TELECOMMUTE"
    assert "<strong>outpatient</strong>" in data["description_html"]
    # When the clock passes its expiry (60 days by default)
    clock.now = START + timedelta(days=61)
    # Then search no longer lists it and its page answers 410
    assert visitor.get("/api/jobs", params={"q": word}).json()["total"] == 0
    gone = visitor.get(f"/api/jobs/{job_id}")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "job_expired"
    assert isinstance(gone.json()["similar"], list)


def _email(client) -> str:
    return client.get("/api/me").json()["user"]["email"]


def test_an_expired_jobs_410_offers_similar_open_jobs(app, clock, operator):
    employer = new_client(app)
    register(employer)
    old = employer.post("/api/jobs", json=job_body(credentials_required=["CRC"], expires_in_days=5))
    new = employer.post(
        "/api/jobs", json=job_body(credentials_required=["CRC"], expires_in_days=90)
    )
    for response in (old, new):
        operator("approve", response.json()["id"])
    clock.now = START + timedelta(days=6)
    gone = new_client(app).get(f"/api/jobs/{old.json()['id']}")
    assert gone.status_code == 410
    assert new.json()["id"] in [j["id"] for j in gone.json()["similar"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": None}, "title"),
        ({"salary_min": 70000, "salary_max": 60000}, "salary_min"),
        ({"expires_in_days": 91}, "expires_in_days"),
        ({"credentials_required": ["CPC", "WIZARD"]}, "credentials_required"),
        ({"arrangement": "on-site", "city": "Austin", "state": "ZZ"}, "state"),
        ({"apply": "http://example.org/apply"}, "apply"),
        ({"apply": "javascript:alert(1)"}, "apply"),
        ({"organization_website": "ftp://example.org"}, "organization_website"),
        ({"salary_period": "week"}, "salary_period"),
        ({"arrangement": "on-site"}, "city"),
    ],
)
def test_bad_posts_answer_400_naming_the_field_and_create_nothing(member, changes, field):
    before = member.get("/api/me/jobs").json()["jobs"]
    response = member.post("/api/jobs", json=job_body(**changes))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field
    assert error["message"].startswith(field)
    assert member.get("/api/me/jobs").json()["jobs"] == before


def test_guests_cannot_post(client):
    response = client.post("/api/jobs", json=job_body())
    assert response.status_code == 401


def test_posting_is_limited_per_member_per_day(member, clock):
    for _ in range(5):
        assert member.post("/api/jobs", json=job_body()).status_code == 202
    refused = member.post("/api/jobs", json=job_body())
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "job_post_limit"
    clock.now = START + timedelta(days=1, minutes=1)
    assert member.post("/api/jobs", json=job_body()).status_code == 202


def test_employers_edit_and_close_only_their_own_posts(app, member, clock, operator):
    job_id = member.post("/api/jobs", json=job_body()).json()["id"]
    operator("approve", job_id)
    stranger = new_client(app)
    register(stranger)
    assert stranger.patch(f"/api/jobs/{job_id}", json={"title": "Mine"}).status_code == 404
    assert stranger.delete(f"/api/jobs/{job_id}").status_code == 404
    # An edit goes back to review, so it leaves the board until approved again
    edited = member.patch(f"/api/jobs/{job_id}", json={"title": "Senior outpatient coder"})
    assert edited.status_code == 200 and edited.json()["status"] == "pending"
    assert edited.json()["credentials_required"] == ["CPC"]  # unsent fields kept
    assert new_client(app).get(f"/api/jobs/{job_id}").status_code == 404
    assert member.get(f"/api/jobs/{job_id}").json()["job"]["status"] == "pending"
    bad = member.patch(f"/api/jobs/{job_id}", json={"salary_max": 1})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "salary_min"
    operator("approve", job_id)
    assert member.delete(f"/api/jobs/{job_id}").json()["status"] == "closed"
    assert new_client(app).get(f"/api/jobs/{job_id}").status_code == 410


def test_a_rejected_post_is_never_listed_and_its_employer_is_told_why(app, member, operator):
    email = _email(member)
    job_id = member.post("/api/jobs", json=job_body(title="Qwertyjob")).json()["id"]
    operator("reject", job_id, "--reason", "The salary range looks wrong.")
    assert "The salary range looks wrong." in outbox_mail(app, email)
    assert new_client(app).get("/api/jobs", params={"q": "qwertyjob"}).json()["total"] == 0
    assert new_client(app).get(f"/api/jobs/{job_id}").status_code == 404
    mine = member.get("/api/me/jobs").json()["jobs"]
    assert [(j["status"], j["reason"]) for j in mine] == [
        ("rejected", "The salary range looks wrong.")
    ]


def test_three_reporters_send_a_post_back_to_review(app, member, operator):
    job_id = member.post("/api/jobs", json=job_body()).json()["id"]
    operator("approve", job_id)
    reporter = new_client(app)
    for _ in range(3):  # one reporter, however often, counts once
        assert reporter.post(f"/api/jobs/{job_id}/report").status_code == 200
    assert new_client(app).get(f"/api/jobs/{job_id}").status_code == 200
    new_client(app).post(f"/api/jobs/{job_id}/report")
    new_client(app).post(f"/api/jobs/{job_id}/report")
    assert new_client(app).get(f"/api/jobs/{job_id}").status_code == 404
    assert job_id in operator("pending")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "XX"}, "state"),
        ({"credential": "<script>"}, "credential"),
        ({"arrangement": "moon"}, "arrangement"),
        ({"limit": 500}, "limit"),
    ],
)
def test_bad_search_filters_answer_400_naming_the_filter(client, params, field):
    response = client.get("/api/jobs", params=params)
    assert response.status_code == 400 and response.json()["error"]["field"] == field


def test_saved_searches_mail_a_digest_of_new_jobs_with_one_click_unsubscribe(
    app, member, clock, operator
):
    email = _email(member)
    saved = member.post("/api/me/job-alerts", json={"q": "Digestword", "credential": "CPC"})
    assert saved.status_code == 201
    assert [a["id"] for a in member.get("/api/me/job-alerts").json()["alerts"]] == [
        saved.json()["id"]
    ]
    employer = new_client(app)
    register(employer)
    clock.now = START + timedelta(hours=1)
    job_id = employer.post("/api/jobs", json=job_body(title="Digestword coder")).json()["id"]
    operator("approve", job_id)
    operator("send-digests")
    mail = outbox_mail(app, email)
    assert "Digestword coder" in mail and f"/jobs/{job_id}" in mail
    link = mail.split("Unsubscribe with one click: ")[1].split()[0]
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert new_client(app).post("/" + path).status_code == 204
    assert member.get("/api/me/job-alerts").json()["alerts"] == []


def test_a_wrong_method_names_every_method_the_path_takes(client):
    # /api/jobs is two routes (search and post); a 405 lists both
    response = client.put("/api/jobs", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
