"""DynamoDB adapter for Accounts (the AccountsTable in template.yaml: keys pk and sk, TTL on
expires_at).

Items:

    user            pk = "user#{id}"        sk = "user"             email, password_hash, plan,
                                                                    email_confirmed, resets
    email lookup    pk = "email#{email}"    sk = "email"            user_id
    meter           pk = "meter#{id}"       sk = "meter"            remaining, plan, closed,
                                                                    unlocked: {"sys|key": when},
                                                                    sessions: {hash: expires_at}
    unlimited code  pk = "meter#{id}"       sk = "code#{sys}|{key}" unlocked_at
    reset token     pk = "reset#{hash}"     sk = "reset"            user_id, expires_at, used,
                                                                    epoch
    confirm token   pk = "confirm#{hash}"   sk = "confirm"          user_id, expires_at, used
    rate window     pk = "window#{key}"     sk = "window"           count, expires_at

The charge is one UpdateItem on the meter: it takes a view and records the code in the
meter's map only if the code is not in the map yet and a view is left, and on a failed
condition DynamoDB hands back the meter as it was, which says why (already unlocked: free;
no views: the wall). A metered plan's map is bounded by the views it was ever given. An
unlimited plan is never charged, so its codes go to marker items of their own instead of
growing one item toward DynamoDB's 400 KB limit.

A member's sessions live in the member's meter item (a session token names its user), so the
same UpdateItem also requires the session to be live: a member's page is one write and no
read. At most MAX_SESSIONS are kept; expired ones are dropped at the next login.

A reset token carries the user's `resets` count when it was made (its epoch); completing a
reset requires the user's count to be that epoch still and adds one, in the same transaction,
so every other outstanding link of the user stops working without finding them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

from botocore.exceptions import ClientError

from coderef.accounts.model import Meter, Plan, SessionCheck, Unlocked, User, WindowCount
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


class _ConditionFailed(Exception):
    """A conditional write lost: `item` is the item as it was (when asked for), `reasons` the
    per-item codes of a cancelled transaction."""

    def __init__(self, item: dict | None = None, reasons: list[str] | None = None) -> None:
        super().__init__("condition failed")
        self.item = item
        self.reasons = reasons or []


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

    def _query(self, pk: str) -> Iterator[dict[str, dict]]:
        """Every item under `pk`."""
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": _s(pk)},
            "ConsistentRead": True,
        }
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
                        raise _ConditionFailed(exc.response.get("Item"), codes) from None
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
        for _ in range(_RACE_ATTEMPTS):
            guest = self._get(_meter_key(carry_from)) if carry_from else None
            carried = guest.get("unlocked", {"M": {}}) if _is_open(guest) else {"M": {}}
            items = self._new_user_items(user, password_hash, meter_remaining, carried)
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
            try:
                self._write(self.client.transact_write_items, TransactItems=items)
                return
            except _ConditionFailed as lost:
                if _TX_CHECK_FAILED in lost.reasons[:3]:
                    raise EmailTaken(
                        "An account with that email already exists. Log in instead."
                    ) from None
                # Only the guest meter moved since it was read: read it again.
        raise ServiceUnavailable("The account store is busy; try again shortly.")

    def _new_user_items(
        self, user: User, password_hash: str, meter_remaining: int, unlocked: dict
    ) -> list[dict]:
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
                        "unlocked": unlocked,
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
            "unlocked": {"M": {_code_name(first[0], first[1]): _s(first[2])} if first else {}},
        }
        if expires_at is not None:
            item["expires_at"] = _n(expires_at)  # the table's TTL attribute
        put = {
            "TableName": self.table,
            "Item": item,
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        if counted_in is None:
            with storage_errors(WHAT):
                self.client.put_item(**put)
            return Meter(meter_id, remaining, plan)
        # Counted and created in one transaction: a full window creates nothing.
        count = self._count_in(counted_in)
        try:
            self._write(
                self.client.transact_write_items, TransactItems=[{"Update": count}, {"Put": put}]
            )
        except _ConditionFailed as lost:
            if lost.reasons and lost.reasons[0] == _TX_CHECK_FAILED:
                raise WindowFull("This window is full.") from None
            raise ServiceUnavailable("The account store is busy; try again shortly.") from None
        return Meter(meter_id, remaining, plan)

    def meter(self, meter_id: str) -> Meter | None:
        item = self._get(_meter_key(meter_id))
        return _meter(meter_id, item) if _is_open(item) else None

    def charge_view(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        session: SessionCheck | None = None,
    ) -> tuple[Meter, bool]:
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
            ":now": _s(now),
        }
        if session:
            condition += " AND sessions.#session > :epoch"
            names["#session"] = session.token_hash
            values[":epoch"] = _n(session.now)
        try:
            response = self._write(
                self.client.update_item,
                TableName=self.table,
                Key=_meter_key(meter_id),
                UpdateExpression="SET remaining = remaining - :one, unlocked.#code = :now",
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except _ConditionFailed as lost:
            return self._uncharged(meter_id, system, key, now, lost.item, session)
        return _meter(meter_id, response["Attributes"]), True

    def _uncharged(
        self,
        meter_id: str,
        system: str,
        key: str,
        now: str,
        old: dict | None,
        session: SessionCheck | None,
    ) -> tuple[Meter, bool]:
        """Why the charge's condition failed, from the meter as it was."""
        if not _is_open(old):
            raise MeterClosed("This meter no longer exists.")
        assert old is not None
        if session:
            expires = old.get("sessions", {}).get("M", {}).get(session.token_hash)
            if expires is None or int(expires["N"]) <= session.now:
                raise NotSignedIn("Your session has ended. Log in again.")
        meter = _meter(meter_id, old)
        if _code_name(system, key) in old.get("unlocked", {}).get("M", {}):
            return meter, False  # opened before: free
        if meter.plan == Plan.UNLIMITED:
            self._record_unlimited(meter_id, system, key, now)
            return meter, False
        raise ViewLimitReached("You have used all your code page views.", meter=meter)

    def _record_unlimited(self, meter_id: str, system: str, key: str, now: str) -> None:
        self._conditional(
            self.client.put_item,
            Item={
                **_key(f"meter#{meter_id}", f"code#{_code_name(system, key)}"),
                "unlocked_at": _s(now),
            },
            ConditionExpression="attribute_not_exists(pk)",  # keep the first opening's time
        )

    def refund_view(self, meter_id: str, system: str, key: str) -> None:
        self._conditional(
            self.client.update_item,
            Key=_meter_key(meter_id),
            UpdateExpression="SET remaining = remaining + :one REMOVE unlocked.#code",
            ConditionExpression="attribute_exists(unlocked.#code) AND #plan <> :unlimited",
            ExpressionAttributeNames={"#code": _code_name(system, key), "#plan": "plan"},
            ExpressionAttributeValues={":one": _n(1), ":unlimited": _s(Plan.UNLIMITED)},
        )

    def unlocked(self, meter_id: str) -> list[Unlocked]:
        found: dict[str, str] = {}
        for item in self._query(f"meter#{meter_id}"):
            if item["sk"]["S"] == "meter":
                found.update(
                    {name: v["S"] for name, v in item.get("unlocked", {}).get("M", {}).items()}
                )
            elif item["sk"]["S"].startswith("code#"):
                found.setdefault(item["sk"]["S"].removeprefix("code#"), item["unlocked_at"]["S"])
        codes = [Unlocked(*_system_and_key(name), when) for name, when in found.items()]
        codes.sort(key=lambda u: (u.system, u.key))
        codes.sort(key=lambda u: u.unlocked_at, reverse=True)
        return codes

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
