"""DynamoDB adapter for the jobs store (the JobsTable in template.yaml). No call is a Scan.

Items:

    job        pk = "job#{id}"     sk = "job"             record (JSON), reports,
               gsi1pk = "status#{status}"  gsi1sk = "{listed_at}#{id}"   (ByStatus)
               gsi2pk = "employer#{id}"    gsi2sk = "{posted_at}#{id}"   (ByOwner)
               expires_at (ISO text; not the TTL: an expired job still answers 410)
    report     pk = "job#{id}"     sk = "report#{reporter}"
    alert      pk = "alert#{id}"   sk = "alert"           record (JSON)
               gsi1pk = "alerts"           gsi1sk = "{id}"               (every saved search)
               gsi2pk = "member#{id}"      gsi2sk = "{created_at}#{id}"  (ByOwner)

Queries: the public board is one Query of ByStatus "status#open", newest first, with expiry
as a filter and "posted within N days" as a key condition; words and the other filters are
checked on the page of open posts (a job board holds thousands of open posts, not millions;
every open post is read once per search, ~1 KB each, and public answers are cached 60 s).
The review queue is the same index's "status#pending", oldest first. An employer's posts and a
member's saved searches are ByOwner. The digest reads every alert through ByStatus's "alerts"
partition. A report is one transaction: a report item written only if that reporter has none,
and the job's count raised with it, so repeats and races never count twice.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from coderef.adapters.aws import dynamodb_client, storage_errors
from coderef.jobs.model import OPEN, JobAlert, JobPost, JobQuery, iso, word_score

WHAT = "jobs store"


def _s(value: str) -> dict:
    return {"S": value}


def _key(pk: str, sk: str) -> dict[str, dict]:
    return {"pk": _s(pk), "sk": _s(sk)}


class DynamoJobs:
    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self.client = client if client is not None else dynamodb_client()

    # ---- posts ----

    def _job_attrs(self, job: JobPost) -> dict[str, dict]:
        record = job.to_record()
        record.pop("reports", None)  # the item's own counter is the truth
        return {
            "record": _s(json.dumps(record)),
            "gsi1pk": _s(f"status#{job.status}"),
            "gsi1sk": _s(f"{job.listed_at}#{job.id}"),
            "gsi2pk": _s(f"employer#{job.employer_id}"),
            "gsi2sk": _s(f"{job.posted_at}#{job.id}"),
            "expires_at": _s(job.expires_at),
        }

    @staticmethod
    def _from_item(item: dict[str, Any]) -> JobPost:
        record = json.loads(item["record"]["S"])
        record["reports"] = int(item.get("reports", {}).get("N", "0"))
        return JobPost.from_record(record)

    def create_job(self, job: JobPost) -> None:
        with storage_errors(WHAT):
            self.client.put_item(
                TableName=self.table,
                Item={
                    **_key(f"job#{job.id}", "job"),
                    **self._job_attrs(job),
                    "reports": {"N": "0"},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )

    def save_job(self, job: JobPost) -> None:
        attrs = self._job_attrs(job)
        names = {f"#{k}": k for k in attrs}
        values = {f":{k}": v for k, v in attrs.items()}
        with storage_errors(WHAT):
            self.client.update_item(
                TableName=self.table,
                Key=_key(f"job#{job.id}", "job"),
                UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in attrs),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )

    def job(self, job_id: str) -> JobPost | None:
        with storage_errors(WHAT):
            item = self.client.get_item(
                TableName=self.table, Key=_key(f"job#{job_id}", "job"), ConsistentRead=True
            ).get("Item")
        return self._from_item(item) if item else None

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with storage_errors(WHAT):
            while True:
                page = self.client.query(TableName=self.table, **kwargs)
                items.extend(page.get("Items", []))
                if "LastEvaluatedKey" not in page:
                    return items
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def jobs_by_employer(self, employer_id: str) -> list[JobPost]:
        items = self._query(
            IndexName="ByOwner",
            KeyConditionExpression="gsi2pk = :p",
            ExpressionAttributeValues={":p": _s(f"employer#{employer_id}")},
            ScanIndexForward=False,
        )
        return [self._from_item(i) for i in items]

    def jobs_by_status(self, status: str) -> list[JobPost]:
        items = self._query(
            IndexName="ByStatus",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": _s(f"status#{status}")},
        )
        jobs = [self._from_item(i) for i in items]
        return sorted(jobs, key=lambda j: (j.posted_at, j.id))

    def add_report(self, job_id: str, reporter: str) -> int:
        items = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": _key(f"job#{job_id}", f"report#{reporter}"),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _key(f"job#{job_id}", "job"),
                    "UpdateExpression": "ADD reports :one",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
        ]
        with storage_errors(WHAT):
            try:
                self.client.transact_write_items(TransactItems=items)
            except ClientError as exc:
                # Cancelled: this reporter had reported it already (or it is gone); not again.
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
        job = self.job(job_id)
        return job.reports if job else 0

    def clear_reports(self, job_id: str) -> None:
        items = self._query(
            KeyConditionExpression="pk = :p AND begins_with(sk, :r)",
            ExpressionAttributeValues={":p": _s(f"job#{job_id}"), ":r": _s("report#")},
            ProjectionExpression="pk, sk",
        )
        with storage_errors(WHAT):
            for item in items:
                self.client.delete_item(
                    TableName=self.table, Key=_key(item["pk"]["S"], item["sk"]["S"])
                )
            self.client.update_item(
                TableName=self.table,
                Key=_key(f"job#{job_id}", "job"),
                UpdateExpression="SET reports = :zero",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )

    def search(self, query: JobQuery, now: datetime) -> tuple[list[JobPost], int]:
        condition = "gsi1pk = :p"
        values: dict[str, dict] = {":p": _s(f"status#{OPEN}"), ":now": _s(iso(now))}
        if query.posted_within_days is not None:
            condition += " AND gsi1sk >= :since"
            values[":since"] = _s(iso(now - timedelta(days=query.posted_within_days)))
        items = self._query(
            IndexName="ByStatus",
            KeyConditionExpression=condition,
            FilterExpression="expires_at > :now",
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
        )
        scored: list[tuple[float, JobPost]] = []
        for item in items:
            job = self._from_item(item)
            score = word_score(job, query.words)
            if score is not None and query.accepts(job, now):
                scored.append((score, job))
        if query.words and query.sort == "best":
            scored.sort(key=lambda s: -s[0])  # stable: newest first among equals
        hits = [job for _, job in scored]
        return hits[query.offset : query.offset + query.limit], len(hits)

    # ---- saved searches ----

    def save_alert(self, alert: JobAlert) -> None:
        with storage_errors(WHAT):
            self.client.put_item(
                TableName=self.table,
                Item={
                    **_key(f"alert#{alert.id}", "alert"),
                    "record": _s(json.dumps(alert.to_record())),
                    "gsi1pk": _s("alerts"),
                    "gsi1sk": _s(alert.id),
                    "gsi2pk": _s(f"member#{alert.member_id}"),
                    "gsi2sk": _s(f"{alert.created_at}#{alert.id}"),
                },
            )

    def alerts_of(self, member_id: str) -> list[JobAlert]:
        items = self._query(
            IndexName="ByOwner",
            KeyConditionExpression="gsi2pk = :p",
            ExpressionAttributeValues={":p": _s(f"member#{member_id}")},
        )
        return [JobAlert.from_record(json.loads(i["record"]["S"])) for i in items]

    def alert(self, alert_id: str) -> JobAlert | None:
        with storage_errors(WHAT):
            item = self.client.get_item(
                TableName=self.table, Key=_key(f"alert#{alert_id}", "alert"), ConsistentRead=True
            ).get("Item")
        return JobAlert.from_record(json.loads(item["record"]["S"])) if item else None

    def delete_alert(self, alert_id: str) -> None:
        with storage_errors(WHAT):
            self.client.delete_item(TableName=self.table, Key=_key(f"alert#{alert_id}", "alert"))

    def all_alerts(self) -> list[JobAlert]:
        items = self._query(
            IndexName="ByStatus",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": _s("alerts")},
        )
        return [JobAlert.from_record(json.loads(i["record"]["S"])) for i in items]
