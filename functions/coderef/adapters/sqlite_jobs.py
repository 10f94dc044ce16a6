"""The jobs store on SQLite (var/jobs.db): posts as JSON records beside the columns the board
queries, an FTS5 table over each post's words for search, reports and saved searches."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from coderef.jobs.model import OPEN, JobAlert, JobPost, JobQuery, iso
from coderef.search.sqlite_fts import sqlite3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    employer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    posted_at TEXT NOT NULL,
    listed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_employer ON jobs (employer_id, posted_at);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, listed_at);
CREATE VIRTUAL TABLE IF NOT EXISTS jobs_fts USING fts5(
    id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS job_reports (
    job_id TEXT NOT NULL,
    reporter TEXT NOT NULL,
    PRIMARY KEY (job_id, reporter)
);
CREATE TABLE IF NOT EXISTS job_alerts (
    id TEXT PRIMARY KEY,
    member_id TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_alerts_by_member ON job_alerts (member_id);
"""


class SqliteJobs:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._conn() as conn:
            conn.executescript(_SCHEMA)

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=5000")
            self._local.conn = conn
        return conn

    # ---- posts ----

    def create_job(self, job: JobPost) -> None:
        with self._conn() as conn:
            self._write(conn, job, insert=True)

    def save_job(self, job: JobPost) -> None:
        with self._conn() as conn:
            reports = conn.execute(
                "SELECT count(*) FROM job_reports WHERE job_id = ?", (job.id,)
            ).fetchone()[0]
            self._write(conn, JobPost.from_record({**job.to_record(), "reports": reports}))

    def _write(self, conn: Any, job: JobPost, insert: bool = False) -> None:
        verb = "INSERT" if insert else "INSERT OR REPLACE"
        conn.execute(
            f"{verb} INTO jobs (id, employer_id, status, posted_at, listed_at, expires_at, "
            "record) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                job.id,
                job.employer_id,
                str(job.status),
                job.posted_at,
                job.listed_at,
                job.expires_at,
                json.dumps(job.to_record()),
            ),
        )
        conn.execute("DELETE FROM jobs_fts WHERE id = ?", (job.id,))
        conn.execute(
            "INSERT INTO jobs_fts (id, title, body) VALUES (?, ?, ?)",
            (job.id, job.title, job.search_text()),
        )

    def job(self, job_id: str) -> JobPost | None:
        row = self._conn().execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return JobPost.from_record(json.loads(row[0])) if row else None

    def jobs_by_employer(self, employer_id: str) -> list[JobPost]:
        rows = self._conn().execute(
            "SELECT record FROM jobs WHERE employer_id = ? ORDER BY posted_at DESC, id DESC",
            (employer_id,),
        )
        return [JobPost.from_record(json.loads(r[0])) for r in rows]

    def jobs_by_status(self, status: str) -> list[JobPost]:
        rows = self._conn().execute(
            "SELECT record FROM jobs WHERE status = ? ORDER BY posted_at, id", (status,)
        )
        return [JobPost.from_record(json.loads(r[0])) for r in rows]

    def add_report(self, job_id: str, reporter: str) -> int:
        with self._conn() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO job_reports (job_id, reporter) VALUES (?, ?)",
                (job_id, reporter),
            )
            count = conn.execute(
                "SELECT count(*) FROM job_reports WHERE job_id = ?", (job_id,)
            ).fetchone()[0]
            row = conn.execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
            if row:
                record = {**json.loads(row[0]), "reports": count}
                conn.execute(
                    "UPDATE jobs SET record = ? WHERE id = ?", (json.dumps(record), job_id)
                )
        return int(count)

    def clear_reports(self, job_id: str) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM job_reports WHERE job_id = ?", (job_id,))

    def search(self, query: JobQuery, now: datetime) -> tuple[list[JobPost], int]:
        params: list[Any] = [OPEN, iso(now)]
        where = "j.status = ? AND j.expires_at > ?"
        join = ""
        order = "j.listed_at DESC, j.id DESC"
        if query.words:
            # Each word quoted (no FTS5 syntax can come through) and matched as a prefix.
            match = " AND ".join(f'"{w}"*' for w in query.words)
            join = "JOIN jobs_fts f ON f.id = j.id AND jobs_fts MATCH ?"
            params.insert(0, match)
            if query.sort == "best":
                # Title words weigh five times the rest.
                order = "bm25(jobs_fts, 0.0, 5.0, 1.0), j.listed_at DESC"
        rows = self._conn().execute(
            f"SELECT j.record FROM jobs j {join} WHERE {where} ORDER BY {order}", params
        )
        hits = [JobPost.from_record(json.loads(r[0])) for r in rows]
        hits = [j for j in hits if query.accepts(j, now)]
        return hits[query.offset : query.offset + query.limit], len(hits)

    # ---- saved searches ----

    def save_alert(self, alert: JobAlert) -> None:
        with self._conn() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO job_alerts (id, member_id, record) VALUES (?, ?, ?)",
                (alert.id, alert.member_id, json.dumps(alert.to_record())),
            )

    def alerts_of(self, member_id: str) -> list[JobAlert]:
        rows = self._conn().execute(
            "SELECT record FROM job_alerts WHERE member_id = ? ORDER BY id", (member_id,)
        )
        alerts = [JobAlert.from_record(json.loads(r[0])) for r in rows]
        return sorted(alerts, key=lambda a: (a.created_at, a.id))

    def alert(self, alert_id: str) -> JobAlert | None:
        row = (
            self._conn()
            .execute("SELECT record FROM job_alerts WHERE id = ?", (alert_id,))
            .fetchone()
        )
        return JobAlert.from_record(json.loads(row[0])) if row else None

    def delete_alert(self, alert_id: str) -> None:
        with self._conn() as conn:
            conn.execute("DELETE FROM job_alerts WHERE id = ?", (alert_id,))

    def all_alerts(self) -> list[JobAlert]:
        rows = self._conn().execute("SELECT record FROM job_alerts ORDER BY id")
        return [JobAlert.from_record(json.loads(r[0])) for r in rows]
