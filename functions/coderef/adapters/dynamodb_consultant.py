"""DynamoDB adapter for the consultant (the ConsultantTable in template.yaml: keys pk and sk,
TTL on expires_at, so DynamoDB deletes a thread's items once its retention has passed).

Items:

    thread        pk = "thread#{id}"   sk = "thread"        the thread; owner + updated (index
                                                            by_owner), queue + updated while
                                                            waiting for a coder (sparse index
                                                            queue)
    message       pk = "thread#{id}"   sk = "msg#{seq:06}"  role, text, at, message_id
    mail lookup   pk = "mail#{msgid}"  sk = "mail"          thread_id

Every item carries the thread's expires_at. TTL deletes within days, not to the second, so
every read also leaves out what has expired.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from coderef.adapters.aws import dynamodb_client, storage_errors
from coderef.consultant.model import Message, Thread, ThreadStatus

WHAT = "consultant store"
_ser = TypeSerializer()
_de = TypeDeserializer()


def _item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in values.items() if v is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _de.deserialize(v) for k, v in item.items()}


def _thread_key(thread_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"thread#{thread_id}"}, "sk": {"S": "thread"}}


class DynamoConsultant:
    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self.client = client if client is not None else dynamodb_client()

    def _thread_item(self, thread: Thread) -> dict[str, Any]:
        return _item(
            {
                "pk": f"thread#{thread.id}",
                "sk": "thread",
                "id": thread.id,
                "owner": thread.user_id,
                "email": thread.email,
                "subject": thread.subject,
                "status": thread.status,
                "created_at": thread.created_at,
                "updated": thread.updated_at,
                "expires_at": thread.expires_at,
                "context_system": thread.context_system,
                "context_code": thread.context_code,
                "refs": list(thread.references),
                # Only waiting threads carry it: the queue index holds nothing else.
                "queue": "waiting" if thread.status == ThreadStatus.WAITING_FOR_CODER else None,
            }
        )

    def create_thread(self, thread: Thread) -> None:
        with storage_errors(WHAT):
            self.client.put_item(TableName=self.table, Item=self._thread_item(thread))

    def update_thread(self, thread: Thread) -> None:
        # The whole thread item is rewritten: it is small, and only its owner's flow writes it.
        self.create_thread(thread)
        with storage_errors(WHAT):
            for message_id in thread.references:
                # Keep the mail lookups alive as long as the thread.
                self.client.update_item(
                    TableName=self.table,
                    Key={"pk": {"S": f"mail#{message_id}"}, "sk": {"S": "mail"}},
                    UpdateExpression="SET expires_at = :e, thread_id = :t",
                    ExpressionAttributeValues={
                        ":e": {"N": str(thread.expires_at)},
                        ":t": {"S": thread.id},
                    },
                )

    def thread(self, thread_id: str, now: int) -> Thread | None:
        with storage_errors(WHAT):
            got = self.client.get_item(
                TableName=self.table, Key=_thread_key(thread_id), ConsistentRead=True
            )
        item = got.get("Item")
        if not item:
            return None
        thread = _thread(_plain(item))
        return thread if thread.expires_at > now else None

    def add_message(self, message: Message, expires_at: int) -> None:
        with storage_errors(WHAT):
            self.client.put_item(
                TableName=self.table,
                Item=_item(
                    {
                        "pk": f"thread#{message.thread_id}",
                        "sk": f"msg#{message.seq:06d}",
                        "seq": message.seq,
                        "role": message.role,
                        "text": message.text,
                        "at": message.at,
                        "message_id": message.message_id,
                        "expires_at": expires_at,
                    }
                ),
            )
            if message.message_id:
                self.client.put_item(
                    TableName=self.table,
                    Item=_item(
                        {
                            "pk": f"mail#{message.message_id}",
                            "sk": "mail",
                            "thread_id": message.thread_id,
                            "expires_at": expires_at,
                        }
                    ),
                )

    def messages(self, thread_id: str) -> list[Message]:
        items = self._query(
            KeyConditionExpression="pk = :p AND begins_with(sk, :m)",
            ExpressionAttributeValues={":p": {"S": f"thread#{thread_id}"}, ":m": {"S": "msg#"}},
            ConsistentRead=True,
        )
        return [
            Message(
                thread_id, int(i["seq"]), i["role"], i["text"], i["at"], i.get("message_id", "")
            )
            for i in items
        ]

    def thread_for_mail(self, message_ids: list[str], now: int) -> Thread | None:
        for message_id in message_ids:
            if not message_id:
                continue
            with storage_errors(WHAT):
                got = self.client.get_item(
                    TableName=self.table,
                    Key={"pk": {"S": f"mail#{message_id}"}, "sk": {"S": "mail"}},
                )
            item = got.get("Item")
            if item:
                thread = self.thread(item["thread_id"]["S"], now)
                if thread is not None:
                    return thread
        return None

    def threads_of(self, user_id: str, now: int) -> list[Thread]:
        items = self._query(
            IndexName="by_owner",
            KeyConditionExpression="#o = :u",
            ExpressionAttributeNames={"#o": "owner"},
            ExpressionAttributeValues={":u": {"S": user_id}},
            ScanIndexForward=False,
        )
        return [t for t in map(_thread, items) if t.expires_at > now]

    def waiting(self, now: int) -> list[Thread]:
        items = self._query(
            IndexName="queue",
            KeyConditionExpression="#q = :w",
            ExpressionAttributeNames={"#q": "queue"},
            ExpressionAttributeValues={":w": {"S": "waiting"}},
        )
        return [t for t in map(_thread, items) if t.expires_at > now]

    def delete_thread(self, thread_id: str) -> None:
        keys = [_thread_key(thread_id)]
        for message in self.messages(thread_id):
            keys.append({"pk": {"S": f"thread#{thread_id}"}, "sk": {"S": f"msg#{message.seq:06d}"}})
            if message.message_id:
                keys.append({"pk": {"S": f"mail#{message.message_id}"}, "sk": {"S": "mail"}})
        with storage_errors(WHAT):
            for key in keys:
                self.client.delete_item(TableName=self.table, Key=key)

    def sweep(self, now: int) -> int:
        return 0  # the table's TTL deletes expired items; reads already leave them out

    def _query(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with storage_errors(WHAT):
            paginator = self.client.get_paginator("query")
            for page in paginator.paginate(TableName=self.table, **kwargs):
                items += [_plain(i) for i in page.get("Items", [])]
        return items


def _thread(item: dict[str, Any]) -> Thread:
    return Thread(
        id=item["id"],
        user_id=item["owner"],
        email=item["email"],
        subject=item["subject"],
        status=item["status"],
        created_at=item["created_at"],
        updated_at=item["updated"],
        expires_at=int(item["expires_at"]),
        context_system=item.get("context_system", ""),
        context_code=item.get("context_code", ""),
        references=tuple(item.get("refs") or ()),
    )
