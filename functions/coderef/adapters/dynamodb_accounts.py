"""DynamoDB adapter for Accounts (the AccountsTable in template.yaml: keys pk and sk, TTL on
expires_at).

Items:

    user            pk = "user#{id}"        sk = "user"             email, password_hash, plan,
                                                                    email_confirmed, resets
    email lookup    pk = "email#{email}"    sk = "email"            user_id
    meter           pk = "meter#{id}"       sk = "meter"            remaining, plan, closed,
                                                                    sessions: {hash: expires_at}
    unlocked code   pk = "meter#{id}"       sk = "code#{sys}|{key}" unlocked_at (expires_at: a
                                                                    guest's, as its meter's)
    reset token     pk = "reset#{hash}"     sk = "reset"            user_id, expires_at, used,
                                                                    epoch
    confirm token   pk = "confirm#{hash}"   sk = "confirm"          user_id, expires_at, used
    rate window     pk = "window#{key}"     sk = "window"           count, expires_at

Each code a meter unlocks is an item of its own beside the meter, so the meter item stays a
few hundred bytes however many codes its member opens (a map inside it reached DynamoDB's
400 KB item limit at about 8,300 codes, and cost one write unit per KB on every charge). The
charge reads the meter and the code's item in one consistent BatchGetItem: a re-open is free
with that one read; a new code is one TransactWriteItems of two items, the meter's conditional
take of a view and the code's Put on the condition that it does not exist, so a charge is
never taken twice for one code and never without its unlock. An unlimited plan is never
charged: its new code is one conditional Put. `/api/me` pages the codes with a Query.

Meters written before this kept their codes in a map, `unlocked`; the charge still honours it
(its condition and the read both look there), and `coderef user migrate-unlocks` moves the
maps into items once (`migrate_unlocked_maps`).

A member's sessions live in the member's meter item (a session token names its user), so the
charge's write requires the session to be live too, and the read checks it first. At most
MAX_SESSIONS are kept; expired ones are dropped at the next login.

A reset token carries the user's `resets` count when it was made (its epoch); completing a
reset requires the user's count to be that epoch still and adds one, in the same transaction,
so every other outstanding link of the user stops working without finding them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, TypeGuard

from botocore.exceptions import ClientError

from coderef.accounts.model import (
    Meter,
    Plan,
    SessionCheck,
    Unlocked,
    UnlockedPage,
    User,
    WindowCount,
    parse_unlocked_cursor,
    unlocked_cursor,
)
from coderef.adapters.aws import dynamodb_client, storage_errors
from coderef.errors import (
    EmailTaken,
    MeterClosed,
    NotSignedIn,
    ServiceUnavailable,
    ViewLimitReached,
    WindowFull,
)

WHAT = "account store"
_CHECK_FAILED = "ConditionalCheckFailedException"
_TX_CHECK_FAILED = "ConditionalCheckFailed"  # the same, as a cancelled transaction says it
_RACE_ATTEMPTS = 5  # read-then-conditional-write steps retried when another writer won
_TX_CONFLICT = "TransactionConflict"
_CONFLICT_ATTEMPTS = 5  # a transaction that lost to another transaction, tried again
_CONFLICT_PAUSE = 0.01  # seconds: the first retry's longest pause (then 20, 40, 80 ms)
_TX_ITEMS = 100  # DynamoDB's most items in one transaction
MAX_SESSIONS = 20  # live sessions a user keeps (devices); the oldest goes first


def _s(value: str) -> dict:
    return {"S": value}


def _n(value: int) -> dict:
    return {"N": str(value)}


def _key(pk: str, sk: str) -> dict[str, dict]:
    return {"pk": _s(pk), "sk": _s(sk)}


def _meter_key(meter_id: str) -> dict[str, dict]:
    return _key(f"meter#{meter_id}", "meter")


def _code_name(system: str, key: str) -> str:
    return f"{system}|{key}"


_CODE = "code#"  # the sort key prefix of a meter's unlocked-code items


def _code_key(meter_id: str, system: str, key: str) -> dict[str, dict]:
    return _key(f"meter#{meter_id}", _CODE + _code_name(system, key))


def _code_item(
    meter_id: str, system: str, key: str, when: str, expires_at: int | None = None
) -> dict[str, dict]:
    item = {**_code_key(meter_id, system, key), "unlocked_at": _s(when)}
    if expires_at is not None:
        item["expires_at"] = _n(expires_at)  # a guest's codes go with its meter
    return item


def _user(item: dict[str, dict]) -> User:
    return User(
        id=item["pk"]["S"].removeprefix("user#"),
        email=item["email"]["S"],
        plan=item["plan"]["S"],
        created_at=item["created_at"]["S"],
        # Users from before confirmation existed have no flag: they count as confirmed.
        email_confirmed=item.get("email_confirmed", {"BOOL": True})["BOOL"],
    )


def _meter(meter_id: str, item: dict[str, dict]) -> Meter:
    return Meter(meter_id, int(item["remaining"]["N"]), item["plan"]["S"])


def _is_open(item: dict[str, dict] | None) -> TypeGuard[dict[str, dict]]:
    return item is not None and bool(item) and not item.get("closed", {}).get("BOOL", False)


def _system_and_key(name: str) -> tuple[str, str]:
    system, key = name.split("|", 1)
    return system, key


def _in_old_map(meter: dict[str, dict] | None, system: str, key: str) -> bool:
    """Whether a meter written before code items existed holds the code in its map."""
    return _code_name(system, key) in (meter or {}).get("unlocked", {}).get("M", {})


class _ConditionFailed(Exception):
    """A conditional write lost: `item` is the item as it was (when asked for), `reasons` the
    per-item codes of a cancelled transaction and `items` each item as it was (when asked for
    and its condition failed)."""

    def __init__(
        self,
        item: dict | None = None,
        reasons: list[str] | None = None,
        items: list[dict | None] | None = None,
    ) -> None:
        super().__init__("condition failed")
        self.item = item
        self.reasons = reasons or []
        self.items = items or []


_LOST = (_CHECK_FAILED, "TransactionCanceledException")


class DynamoAccounts:
    def __init__(
        self, table: str, client: Any = None, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.table = table
        self.client = client or dynamodb_client()
        self._sleep = sleep

    # -- small helpers -------------------------------------------------------------------
    def _get(self, key: dict[str, dict]) -> dict[str, dict] | None:
        # Strongly consistent: decisions (a login, a revoked session) must see the last write.
        with storage_errors(WHAT):
            response = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        return response.get("Item")

    def _query(self, pk: str, prefix: str | None = None) -> Iterator[dict[str, dict]]:
        """Every item under `pk` (whose sort key starts with `prefix`, if given)."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(pk)},
            "ConsistentRead": True,
        }
        if prefix:
            request["KeyConditionExpression"] += " AND begins_with(sk, :prefix)"
            request["ExpressionAttributeValues"][":prefix"] = _s(prefix)
        while True:
            with storage_errors(WHAT):
                page = self.client.query(**request)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _write(self, call: Callable[..., dict], **request: Any) -> dict:
        """One write; a failed condition raises _ConditionFailed, anything else from DynamoDB
        becomes ServiceUnavailable. A transaction that lost only to another transaction on one
        of its items (first visits behind one NAT share the address's window item) is tried
        again after a short random pause: nothing of it was applied."""
        for attempt in range(_CONFLICT_ATTEMPTS):
            with storage_errors(WHAT):
                try:
                    return call(**request)
                except ClientError as exc:
                    error = exc.response.get("Error", {})
                    if error.get("Code") not in _LOST:
                        raise
                    reasons = exc.response.get("CancellationReasons") or []
                    codes = [r.get("Code", "None") for r in reasons]
                    if error.get("Code") == "TransactionCanceledException" and not any(
                        code == _TX_CHECK_FAILED for code in codes
                    ):
                        conflict_only = _TX_CONFLICT in codes and all(
                            code in (_TX_CONFLICT, "None") for code in codes
                        )
                        if not conflict_only or attempt == _CONFLICT_ATTEMPTS - 1:
                            raise  # throttling, or conflicts that did not clear
                    else:
                        items = [r.get("Item") for r in reasons]
                        raise _ConditionFailed(exc.response.get("Item"), codes, items) from None
            # Full jitter: waiters spread out instead of colliding again.
            self._sleep(random.uniform(0, _CONFLICT_PAUSE * 2**attempt))
        raise AssertionError("unreachable")

    def _conditional(self, call: Callable[..., dict], **request: Any) -> dict | None:
        """Run one conditional write; None when its condition failed (someone else won)."""
        try:
            return self._write(call, TableName=self.table, **request)
        except _ConditionFailed:
            return None

    # -- users ---------------------------------------------------------------------------
    def create_user(
        self, user: User, password_hash: str, meter_remaining: int, carry_from: str | None
    ) -> None:
        # A guest may open a code while registering, so its meter is read and then closed on
        # the condition that it has not changed since; on a clash the whole step is retried.
        meter_id = f"u:{user.id}"
        for _ in range(_RACE_ATTEMPTS):
            guest = self._get(_meter_key(carry_from)) if carry_from else None
            carried = self._codes_of(carry_from, guest) if carry_from and _is_open(guest) else {}
            copies = [
                {"Put": {"TableName": self.table, "Item": _code_item(meter_id, *name, when)}}
                for name, when in carried.items()
            ]
            items = self._new_user_items(user, password_hash, meter_remaining)
            if _is_open(guest):
                items.append(
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": _meter_key(carry_from or ""),
                            "UpdateExpression": "SET closed = :yes, remaining = :zero",
                            "ConditionExpression": "remaining = :seen AND closed = :no",
                            "ExpressionAttributeValues": {
                                ":yes": {"BOOL": True},
                                ":no": {"BOOL": False},
                                ":zero": _n(0),
                                ":seen": guest["remaining"],
                            },
                        }
                    }
                )
            # A guest holds a handful of codes (its views); past a transaction's 100 items the
            # rest are copied after it, to the new meter nobody else can reach yet.
            room = _TX_ITEMS - len(items)
            try:
                self._write(self.client.transact_write_items, TransactItems=items + copies[:room])
                for copy in copies[room:]:
                    with storage_errors(WHAT):
                        self.client.put_item(**copy["Put"])
                return
            except _ConditionFailed as lost:
                if _TX_CHECK_FAILED in lost.reasons[:3]:
                    raise EmailTaken(
                        "An account with that email already exists. Log in instead."
                    ) from None
                # Only the guest meter moved since it was read: read it again.
        raise ServiceUnavailable("The account store is busy; try again shortly.")

    def _codes_of(self, meter_id: str, meter: dict[str, dict]) -> dict[tuple[str, str], str]:
        """Every code a meter unlocked, {(system, key): when}: its code items and, for a meter
        written before those existed, its old map."""
        codes = {
            _system_and_key(name): v["S"]
            for name, v in meter.get("unlocked", {}).get("M", {}).items()
        }
        for item in self._query(f"meter#{meter_id}", _CODE):
            name = _system_and_key(item["sk"]["S"].removeprefix(_CODE))
            codes.setdefault(name, item["unlocked_at"]["S"])
        return codes

    def _new_user_items(self, user: User, password_hash: str, meter_remaining: int) -> list[dict]:
        absent = "attribute_not_exists(pk)"
        return [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        **_key(f"email#{user.email}", "email"),
                        "user_id": _s(user.id),
                    },
                    "ConditionExpression": absent,
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        **_key(f"user#{user.id}", "user"),
                        "email": _s(user.email),
                        "password_hash": _s(password_hash),
                        "plan": _s(user.plan),
                        "created_at": _s(user.created_at),
                        "email_confirmed": {"BOOL": user.email_confirmed},
                        "resets": _n(0),
                    },
                    "ConditionExpression": absent,
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        **_meter_key(f"u:{user.id}"),
                        "remaining": _n(meter_remaining),
                        "plan": _s(user.plan),
                        "closed": {"BOOL": False},
                        "sessions": {"M": {}},
                    },
                    "ConditionExpression": absent,
                }
            },
        ]

    def user_by_id(self, user_id: str) -> User | None:
        item = self._get(_key(f"user#{user_id}", "user"))
        return _user(item) if item else None

    def user_by_email(self, email: str) -> tuple[User, str] | None:
        lookup = self._get(_key(f"email#{email}", "email"))
        if not lookup:
            return None
        item = self._get(_key(f"user#{lookup['user_id']['S']}", "user"))
        return (_user(item), item["password_hash"]["S"]) if item else None

    def list_users(self) -> list[User]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "sk = :user",
            "ExpressionAttributeValues": {":user": _s("user")},
        }
        users: list[User] = []
        while True:
            with storage_errors(WHAT):
                page = self.client.scan(**request)
            users.extend(_user(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(users, key=lambda u: u.created_at)

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self._conditional(
            self.client.update_item,
            Key=_key(f"user#{user_id}", "user"),
            UpdateExpression="SET password_hash = :h",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":h": _s(password_hash)},
        )

    def set_plan(self, user_id: str, plan: Plan) -> None:
        def update(key: dict) -> dict:
            return {
                "Update": {
                    "TableName": self.table,
                    "Key": key,
                    "UpdateExpression": "SET #plan = :plan",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#plan": "plan"},
                    "ExpressionAttributeValues": {":plan": _s(plan)},
                }
            }

        with storage_errors(WHAT):
            self.client.transact_write_items(
                TransactItems=[
                    update(_key(f"user#{user_id}", "user")),
                    update(_meter_key(f"u:{user_id}")),
                ]
            )

    def grant_views(self, meter_id: str, views: int) -> Meter:
        # remaining never goes below zero, which an ADD cannot promise for a negative grant:
        # read, then write on the condition that nobody charged in between.
        for _ in range(_RACE_ATTEMPTS):
            item = self._get(_meter_key(meter_id))
            if item is None:
                raise MeterClosed("This meter no longer exists.")
            seen = int(item["remaining"]["N"])
            after = max(0, seen + views)
            if self._conditional(
                self.client.update_item,
                Key=_meter_key(meter_id),
                UpdateExpression="SET remaining = :after",
                ConditionExpression="remaining = :seen",
                ExpressionAttributeValues={":after": _n(after), ":seen": _n(seen)},
            ):
                return Meter(meter_id, after, item["plan"]["S"])
        raise ServiceUnavailable("The account store is busy; try again shortly.")

    # -- sessions ------------------------------------------------------------------------
    # A user's live sessions are a map in the user's meter item, {token hash: expires_at}, so
    # the charge of a member's page checks the session in its own condition.
    def create_session(self, token_hash: str, user_id: str, expires_at: int) -> None:
        meter_key = _meter_key(f"u:{user_id}")
        item = self._get(meter_key)
        if item is None:
            raise MeterClosed("This account has no meter.")
        # Drop expired sessions, and the oldest beyond the cap, in the same write.
        held = {h: int(v["N"]) for h, v in item.get("sessions", {}).get("M", {}).items()}
        now = int(time.time())
        live = sorted((h for h in held if held[h] > now), key=held.__getitem__, reverse=True)
        dropped = [h for h in held if h not in live[: MAX_SESSIONS - 1]]
        names = {"#new": token_hash} | {f"#old{i}": h for i, h in enumerate(dropped)}
        update = "SET sessions.#new = :expires"
        if dropped:
            update += " REMOVE " + ", ".join(f"sessions.#old{i}" for i in range(len(dropped)))
        self._write(
            self.client.update_item,
            TableName=self.table,
            Key=meter_key,
            UpdateExpression=update,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={":expires": _n(expires_at)},
        )

    def session_meter(self, user_id: str, token_hash: str, now: int) -> Meter | None:
        # Strongly consistent (see _get), so a session is refused the moment logout removes
        # it; expiry is checked here because nothing deletes an expired entry but the next
        # login.
        meter_id = f"u:{user_id}"
        item = self._get(_meter_key(meter_id))
        if item is None or not _is_open(item):
            return None
        expires = item.get("sessions", {}).get("M", {}).get(token_hash)
        return _meter(meter_id, item) if expires and int(expires["N"]) > now else None

    def delete_session(self, user_id: str, token_hash: str) -> None:
        self._conditional(
            self.client.update_item,
            Key=_meter_key(f"u:{user_id}"),
            UpdateExpression="REMOVE sessions.#h",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#h": token_hash},
        )

    def delete_user_sessions(self, user_id: str) -> None:
        self._conditional(
            self.client.update_item,
            Key=_meter_key(f"u:{user_id}"),
            UpdateExpression="SET sessions = :none",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":none": {"M": {}}},
        )

    # -- meters --------------------------------------------------------------------------
    def create_meter(
        self,
        meter_id: str,
        remaining: int,
        plan: Plan,
        first: tuple[str, str, str] | None = None,
        expires_at: int | None = None,
        counted_in: WindowCount | None = None,
    ) -> Meter:
        item = {
            **_meter_key(meter_id),
            "remaining": _n(remaining),
            "plan": _s(plan),
            "closed": {"BOOL": False},
        }
        if expires_at is not None:
            item["expires_at"] = _n(expires_at)  # the table's TTL attribute
        absent = "attribute_not_exists(pk)"
        writes: list[dict] = [{"Put": {"TableName": self.table, "Item": item}}]
        writes[0]["Put"]["ConditionExpression"] = absent
        if first:
            code = _code_item(meter_id, *first, expires_at=expires_at)
            writes.append({"Put": {"TableName": self.table, "Item": code}})
        if counted_in is not None:
            # Counted and created in one transaction: a full window creates nothing.
            writes.insert(0, {"Update": self._count_in(counted_in)})
        if len(writes) == 1:
            with storage_errors(WHAT):
                self.client.put_item(**writes[0]["Put"])
            return Meter(meter_id, remaining, plan)
        try:
            self._write(self.client.transact_write_items, TransactItems=writes)
        except _ConditionFailed as lost:
            if counted_in is not None and lost.reasons[:1] == [_TX_CHECK_FAILED]:
                raise WindowFull("This window is full.") from None
            raise ServiceUnavailable("The account store is busy; try again shortly.") from None
        return Meter(meter_id, remaining, plan)

    def meter(self, meter_id: str) -> Meter | None:
        item = self._get(_meter_key(meter_id))
        return _meter(meter_id, item) if _is_open(item) else None

    def _meter_and_code(
        self, meter_id: str, system: str, key: str
    ) -> tuple[dict[str, dict] | None, dict[str, dict] | None]:
        """The meter item and the code's item, in one strongly consistent BatchGetItem."""
        keys = [_meter_key(meter_id), _code_key(meter_id, system, key)]
        request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
        found: dict[str, dict[str, dict]] = {}
        for attempt in range(_CONFLICT_ATTEMPTS):
            with storage_errors(WHAT):
                response = self.client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self.table, []):
                found[item["sk"]["S"]] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found.get("meter"), found.get(keys[1]["sk"]["S"])
            # DynamoDB left keys unread (throttling): ask again for those after a short pause.
            self._sleep(random.uniform(0, _CONFLICT_PAUSE * 2**attempt))
        raise ServiceUnavailable("The account store is busy; try again shortly.")

    def charge_view(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        session: SessionCheck | None = None,
    ) -> tuple[Meter, bool]:
        meter_item, code_item = self._meter_and_code(meter_id, system, key)
        meter = self._standing_meter(meter_id, meter_item, session)
        if code_item is not None or _in_old_map(meter_item, system, key):
            return meter, False  # opened before: free
        if meter.plan == Plan.UNLIMITED:
            self._conditional(
                self.client.put_item,
                Item=_code_item(meter_id, system, key, now),
                ConditionExpression="attribute_not_exists(pk)",  # the first opening's time stays
            )
            return meter, False
        if meter.remaining <= 0:
            raise ViewLimitReached("You have used all your code page views.", meter=meter)
        # A guest's code items expire with its meter (the table's TTL).
        held = meter_item or {}  # an open meter: _standing_meter refused anything else
        expires = int(held["expires_at"]["N"]) if "expires_at" in held else None
        return self._take_a_view(meter_id, system, key, now, meter, session, expires)

    def _standing_meter(
        self, meter_id: str, item: dict[str, dict] | None, session: SessionCheck | None
    ) -> Meter:
        """The meter an item holds: MeterClosed if there is none or it is closed, NotSignedIn if
        `session` is not live in it."""
        if not _is_open(item):
            raise MeterClosed("This meter no longer exists.")
        if session:
            expires = item.get("sessions", {}).get("M", {}).get(session.token_hash)
            if expires is None or int(expires["N"]) <= session.now:
                raise NotSignedIn("Your session has ended. Log in again.")
        return _meter(meter_id, item)

    def _take_a_view(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        seen: Meter,
        session: SessionCheck | None,
        expires: int | None,
    ) -> tuple[Meter, bool]:
        """One transaction: the meter gives a view while one is left (and the session is live),
        and the code's item is created unless it exists; both or neither."""
        condition = (
            "closed = :no AND #plan <> :unlimited AND remaining > :zero "
            "AND attribute_not_exists(unlocked.#code)"
        )
        names = {"#code": _code_name(system, key), "#plan": "plan"}
        values = {
            ":one": _n(1),
            ":zero": _n(0),
            ":no": {"BOOL": False},
            ":unlimited": _s(Plan.UNLIMITED),
        }
        if session:
            condition += " AND sessions.#session > :epoch"
            names["#session"] = session.token_hash
            values[":epoch"] = _n(session.now)
        take = {
            "TableName": self.table,
            "Key": _meter_key(meter_id),
            "UpdateExpression": "SET remaining = remaining - :one",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        unlock = {
            "TableName": self.table,
            "Item": _code_item(meter_id, system, key, now, expires),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        try:
            self._write(
                self.client.transact_write_items,
                TransactItems=[{"Update": take}, {"Put": unlock}],
            )
        except _ConditionFailed as lost:
            return self._uncharged(meter_id, system, key, now, seen, lost, session)
        # A transaction returns no values: the count is the one just read, less this view (two
        # pages of one meter charged at the same instant may show the same count).
        return Meter(meter_id, max(seen.remaining - 1, 0), seen.plan), True

    def _uncharged(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        seen: Meter,
        lost: _ConditionFailed,
        session: SessionCheck | None,
    ) -> tuple[Meter, bool]:
        """Why the charge's transaction was cancelled, from the items as they were."""
        meter_lost, code_lost = [*lost.reasons, "None", "None"][:2]
        old = [*lost.items, None][0]
        meter = seen
        if meter_lost == _TX_CHECK_FAILED:
            meter = self._standing_meter(meter_id, old, session)
            if _in_old_map(old, system, key):
                return meter, False
        if code_lost == _TX_CHECK_FAILED:
            return meter, False  # another page of this meter unlocked it a moment ago: free
        if meter.plan == Plan.UNLIMITED:  # the plan changed since the read
            return self.charge_view(meter_id, system, key, now, session)
        # The views ran out meanwhile; a racing page may still have unlocked this very code.
        if self._get(_code_key(meter_id, system, key)) is not None:
            return meter, False
        raise ViewLimitReached(
            "You have used all your code page views.", meter=replace(meter, remaining=0)
        )

    def refund_view(self, meter_id: str, system: str, key: str) -> None:
        # Both or neither: the code's item goes and its view comes back.
        try:
            self._write(
                self.client.transact_write_items,
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self.table,
                            "Key": _code_key(meter_id, system, key),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": _meter_key(meter_id),
                            "UpdateExpression": "SET remaining = remaining + :one",
                            "ConditionExpression": "attribute_exists(pk) AND #plan <> :unlimited",
                            "ExpressionAttributeNames": {"#plan": "plan"},
                            "ExpressionAttributeValues": {
                                ":one": _n(1),
                                ":unlimited": _s(Plan.UNLIMITED),
                            },
                        }
                    },
                ],
            )
        except _ConditionFailed:
            return  # not unlocked (or never charged): nothing to give back

    def unlocked(self, meter_id: str) -> list[Unlocked]:
        item = self._get(_meter_key(meter_id)) or {}
        found = self._codes_of(meter_id, item)
        codes = [Unlocked(system, key, when) for (system, key), when in found.items()]
        codes.sort(key=lambda u: (u.system, u.key))
        codes.sort(key=lambda u: u.unlocked_at, reverse=True)
        return codes

    def unlocked_page(self, meter_id: str, limit: int, after: str | None = None) -> UnlockedPage:
        # One Query of the meter's code items, in sort key order (system, then key), resumed
        # after the cursor's code: a bounded read however many codes the meter holds.
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :code)",
            "ExpressionAttributeValues": {":pk": _s(f"meter#{meter_id}"), ":code": _s(_CODE)},
            "ProjectionExpression": "sk, unlocked_at",
            "ConsistentRead": True,
            "Limit": limit + 1,  # one more than asked says whether there is a next page
        }
        if after:
            request["ExclusiveStartKey"] = _code_key(meter_id, *parse_unlocked_cursor(after))
        with storage_errors(WHAT):
            page = self.client.query(**request)
        codes = [
            Unlocked(*_system_and_key(i["sk"]["S"].removeprefix(_CODE)), i["unlocked_at"]["S"])
            for i in page.get("Items", [])
        ]
        shown = codes[:limit]
        more = len(codes) > limit
        return UnlockedPage(
            shown, unlocked_cursor(shown[-1].system, shown[-1].key) if more else None
        )

    def migrate_unlocked_maps(self) -> int:
        """Move every meter's old `unlocked` map into code items (the one-off step of
        `coderef user migrate-unlocks`); returns the meters moved. Safe to run again, and while
        serving: a code is in the map or an item (or both) at every moment, and the charge
        honours both."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "sk = :meter AND attribute_exists(unlocked)",
            "ExpressionAttributeValues": {":meter": _s("meter")},
        }
        moved = 0
        while True:
            with storage_errors(WHAT):
                page = self.client.scan(**request)
            for item in page.get("Items", []):
                meter_id = item["pk"]["S"].removeprefix("meter#")
                expires = int(item["expires_at"]["N"]) if "expires_at" in item else None
                for name, when in item["unlocked"]["M"].items():
                    # Conditional, so a code opened again since keeps its first time.
                    self._conditional(
                        self.client.put_item,
                        Item=_code_item(meter_id, *_system_and_key(name), when["S"], expires),
                        ConditionExpression="attribute_not_exists(pk)",
                    )
                self._conditional(
                    self.client.update_item,
                    Key=_meter_key(meter_id),
                    UpdateExpression="REMOVE unlocked",
                    ConditionExpression="attribute_exists(pk)",
                )
                moved += 1
            if "LastEvaluatedKey" not in page:
                return moved
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- reset tokens --------------------------------------------------------------------
    def create_reset_token(self, token_hash: str, user_id: str, expires_at: int) -> None:
        user = self._get(_key(f"user#{user_id}", "user")) or {}
        with storage_errors(WHAT):
            self.client.put_item(
                TableName=self.table,
                Item={
                    **_key(f"reset#{token_hash}", "reset"),
                    "user_id": _s(user_id),
                    "expires_at": _n(expires_at),
                    "used": {"BOOL": False},
                    "epoch": _n(int(user.get("resets", {"N": "0"})["N"])),
                },
            )

    def reset_password(self, token_hash: str, now: int, password_hash: str) -> str | None:
        token_key = _key(f"reset#{token_hash}", "reset")
        token = self._get(token_key)
        if not token or token["used"]["BOOL"] or int(token["expires_at"]["N"]) <= now:
            return None
        user_id, epoch = token["user_id"]["S"], int(token.get("epoch", {"N": "0"})["N"])
        # Users made before `resets` existed have none: that is epoch 0.
        same_epoch = "resets = :epoch" + (" OR attribute_not_exists(resets)" if epoch == 0 else "")
        items = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": token_key,
                    "UpdateExpression": "SET used = :yes",
                    "ConditionExpression": "used = :no AND expires_at > :now",
                    "ExpressionAttributeValues": {
                        ":yes": {"BOOL": True},
                        ":no": {"BOOL": False},
                        ":now": _n(now),
                    },
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _key(f"user#{user_id}", "user"),
                    "UpdateExpression": "SET password_hash = :h, resets = :next",
                    "ConditionExpression": f"attribute_exists(pk) AND ({same_epoch})",
                    "ExpressionAttributeValues": {
                        ":h": _s(password_hash),
                        ":epoch": _n(epoch),
                        ":next": _n(epoch + 1),
                    },
                }
            },
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _meter_key(f"u:{user_id}"),
                    "UpdateExpression": "SET sessions = :none",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":none": {"M": {}}},
                }
            },
        ]
        try:
            self._write(self.client.transact_write_items, TransactItems=items)
        except _ConditionFailed:
            return None  # used meanwhile, or another reset of the user was completed first
        return user_id

    # -- email confirmation tokens -------------------------------------------------------
    def create_confirm_token(self, token_hash: str, user_id: str, expires_at: int) -> None:
        with storage_errors(WHAT):
            self.client.put_item(
                TableName=self.table,
                Item={
                    **_key(f"confirm#{token_hash}", "confirm"),
                    "user_id": _s(user_id),
                    "expires_at": _n(expires_at),
                    "used": {"BOOL": False},
                },
            )

    def confirm_email(self, token_hash: str, now: int, bonus_views: int) -> str | None:
        token_key = _key(f"confirm#{token_hash}", "confirm")
        token = self._get(token_key)
        if not token:
            return None
        user_id = token["user_id"]["S"]
        use_token = {
            "TableName": self.table,
            "Key": token_key,
            "UpdateExpression": "SET used = :yes",
            "ConditionExpression": "used = :no AND expires_at > :now",
            "ExpressionAttributeValues": {
                ":yes": {"BOOL": True},
                ":no": {"BOOL": False},
                ":now": _n(now),
            },
        }
        confirm = {
            "TableName": self.table,
            "Key": _key(f"user#{user_id}", "user"),
            "UpdateExpression": "SET email_confirmed = :yes",
            "ConditionExpression": "email_confirmed = :no",
            "ExpressionAttributeValues": {":yes": {"BOOL": True}, ":no": {"BOOL": False}},
        }
        bonus = {
            "TableName": self.table,
            "Key": _meter_key(f"u:{user_id}"),
            "UpdateExpression": "ADD remaining :bonus",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": {":bonus": _n(bonus_views)},
        }
        try:
            self._write(
                self.client.transact_write_items,
                TransactItems=[{"Update": use_token}, {"Update": confirm}, {"Update": bonus}],
            )
            return user_id
        except _ConditionFailed as lost:
            if lost.reasons[:1] == [_TX_CHECK_FAILED]:
                return None  # the token was used or has expired
        # Confirmed before, through another link: this one is used up, with no second bonus.
        try:
            self._write(self.client.update_item, **use_token)
        except _ConditionFailed:
            return None
        return user_id

    # -- rate-limit windows --------------------------------------------------------------
    def count_window(self, key: str) -> int:
        item = self._get(_key(f"window#{key}", "window"))
        return int(item["count"]["N"]) if item else 0

    def _count_in(self, window: WindowCount) -> dict:
        return {
            "TableName": self.table,
            "Key": _key(f"window#{window.key}", "window"),
            "UpdateExpression": "ADD #count :one SET expires_at = if_not_exists(expires_at, :e)",
            "ConditionExpression": "attribute_not_exists(#count) OR #count < :limit",
            "ExpressionAttributeNames": {"#count": "count"},
            "ExpressionAttributeValues": {
                ":one": _n(1),
                ":e": _n(window.expires_at),
                ":limit": _n(window.limit),
            },
        }

    def reserve(self, *windows: WindowCount) -> None:
        # One conditional write per window, all in one transaction when there are several:
        # DynamoDB applies each in turn, so concurrent callers can never all pass the limit.
        try:
            if len(windows) == 1:
                self._write(self.client.update_item, **self._count_in(windows[0]))
            else:
                self._write(
                    self.client.transact_write_items,
                    TransactItems=[{"Update": self._count_in(w)} for w in windows],
                )
        except _ConditionFailed as lost:
            full = lost.reasons.index(_TX_CHECK_FAILED) if _TX_CHECK_FAILED in lost.reasons else 0
            raise WindowFull("This window is full.", window=full) from None

    def release(self, key: str) -> None:
        self._conditional(
            self.client.update_item,
            Key=_key(f"window#{key}", "window"),
            UpdateExpression="ADD #count :less",
            ConditionExpression="#count > :zero",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":less": _n(-1), ":zero": _n(0)},
        )

    def clear_window(self, key: str) -> None:
        with storage_errors(WHAT):
            self.client.delete_item(TableName=self.table, Key=_key(f"window#{key}", "window"))
