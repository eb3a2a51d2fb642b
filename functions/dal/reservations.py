"""Atomic reservations: stock, capacity and the order record change together or not at all,
even when the process dies half-way (a Lambda timeout, an out-of-memory kill).

A change is a list of deltas (`deltas.py`: units of a SKU at nodes; orders/units/same-day use of
a node on a day) plus one write of the order record. Takes carry condition expressions on stored
numbers (`levels.N.available >= :qty`, `units <= :limit_minus_qty`), so no interleaving of
requests can oversell. Up to 99 deltas go in ONE TransactWriteItems with the record. Larger
changes run the chunked protocol:

1. begin: the record gets `pending_op` and `pending`, everything needed to finish or undo the
   change (its chunks, the record's final attributes), and `pending_until`, the deadline of the
   invocation that runs it (a placeholder record with status `pending` when the order is new);
2. each chunk is a transaction of its deltas plus `ADD applied :chunk` on the record, guarded
   by `pending_op = :op AND NOT contains(applied, :chunk) AND attribute_not_exists(recovery)`
   (a chunk applies at most once, and never after a recovery began). Every take is in a chunk
   before every release;
3. finish: the record's final attributes, under `pending_op = :op`.

`recover` ends a change that was cut short (the sweeper's job, and a retry's once
`pending_until` has passed): it fences the change (`recovery`, so a late original cannot write
any more), then rolls it back if a take is still missing (undoing chunks = releases, which
cannot fail) or forward if every take is in (only releases left, which cannot fail). Every step
is guarded, so two recoveries at once, or a recovery racing a late original, apply each step
once. A chunk whose condition fails makes the change recover itself (roll back).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from functions.dal.client import (
    TRANSACTION_LIMIT,
    cancellation_codes,
    error_code,
    retry_with_backoff,
)
from functions.dal.codec import encode, encode_item
from functions.dal.database import Database
from functions.dal.deltas import (
    CapacityDelta,
    Delta,
    StockDelta,
    delta_action,
    delta_from_json,
    delta_json,
    describe,
    takes_then_releases,
)
from functions.dal.orders import order_record

__all__ = [
    "CHUNK_SIZE",
    "CapacityDelta",
    "Delta",
    "RecordWrite",
    "ReservationFailed",
    "StockDelta",
    "commit",
    "commit_together",
    "hold_until",
    "is_stale",
    "recover",
]

TRANSIENT_CANCEL_CODES = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)
CHUNK_SIZE = TRANSACTION_LIMIT - 1
"""Deltas per transaction: the 100-action limit less one for the order record."""
DEFAULT_HOLD_SECONDS = 60.0
"""How long a chunked change may stay pending before others may recover it, when the
invocation's own deadline is not known (`hold_until` not called)."""
PENDING_ATTRIBUTES = ("pending_op", "pending", "pending_since", "pending_until", "applied")
RECOVERY_STEPS = 20
"""Re-reads of a pending record one `recover` call makes before giving up (each re-read
follows a step another process took)."""

_deadline: ContextVar[float | None] = ContextVar("omniroute_invocation_deadline", default=None)


def hold_until(deadline: float | None) -> None:
    """The epoch second by which this invocation is surely over (Lambda: now + the context's
    remaining time): a change it leaves pending may be recovered by others after that."""
    _deadline.set(deadline)


@dataclass(frozen=True)
class RecordWrite:
    """The order record's write: attributes to set, under a condition.

    `creating`: the order is new (condition: no record yet); otherwise `expected_version` must
    match the stored `version`, and no other chunked operation may be pending."""

    order_id: str
    attributes: Mapping[str, Any]
    creating: bool
    expected_version: int | None = None
    removes: tuple[str, ...] = ()
    """Attributes to remove (e.g. `open_shard` when the order is no longer open)."""


@dataclass
class ReservationFailed(Exception):
    """A condition failed: `stock_changed` (re-plan on fresh data) or `record_changed` (the
    order was written by someone else meanwhile)."""

    reason: str
    details: list[dict[str, Any]] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    """`commit_together`: the orders whose record condition failed."""

    def __str__(self) -> str:
        return f"{self.reason}: {self.details}"


# --------------------------------------------------------------------------- the order record


def _record_update(
    db: Database,
    order_id: str,
    condition: str,
    values: Mapping[str, Any],
    sets: Mapping[str, Any] | None = None,
    removes: Sequence[str] = (),
    add_mark: str | None = None,
    delete_mark: str | None = None,
) -> dict[str, Any]:
    """An Update action on the order record; `:op`, `:mark`... in `condition` come from
    `values`; `applied` is the set of marks of the chunks applied."""
    names: dict[str, str] = {}
    encoded: dict[str, Any] = {k: encode(v) for k, v in values.items()}
    clauses = []
    if sets:
        parts = []
        for i, (name, value) in enumerate(sets.items()):
            names[f"#s{i}"] = name
            encoded[f":s{i}"] = encode(value)
            parts.append(f"#s{i} = :s{i}")
        clauses.append("SET " + ", ".join(parts))
    if removes:
        for i, name in enumerate(removes):
            names[f"#r{i}"] = name
        clauses.append("REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes))))
    for verb, mark in (("ADD", add_mark), ("DELETE", delete_mark)):
        if mark is not None:
            encoded[":marks"] = encode({mark})
            clauses.append(f"{verb} applied :marks")
    update: dict[str, Any] = {
        "TableName": db.table("orders"),
        "Key": encode_item({"order_id": order_id}),
        "UpdateExpression": " ".join(clauses),
        "ConditionExpression": condition,
        "ExpressionAttributeValues": encoded,
    }
    if names:
        update["ExpressionAttributeNames"] = names
    return {"Update": update}


def _record_condition(record: RecordWrite) -> tuple[str, dict[str, Any]]:
    if record.creating:
        return "attribute_not_exists(order_id)", {}
    return (
        "version = :expected AND attribute_not_exists(pending_op)",
        {":expected": record.expected_version},
    )


def _record_action(db: Database, record: RecordWrite) -> dict[str, Any]:
    """The record's write in one transaction, under its condition."""
    condition, values = _record_condition(record)
    return _record_update(
        db, record.order_id, condition, values, sets=record.attributes, removes=record.removes
    )


def is_stale(record: Mapping[str, Any], now: float | None = None) -> bool:
    """A pending record whose change may be recovered: the invocation that began it is over."""
    if "pending_op" not in record:
        return False
    return (time.time() if now is None else now) > float(record.get("pending_until", 0))


# --------------------------------------------------------------------------- transactions


def _transact(db: Database, actions: list[dict[str, Any]], token: str) -> None:
    """One transaction; conflicts with other transactions and throttling are retried with
    jittered backoff (same token, so a retried success is not applied twice)."""

    def transient(error: Exception) -> bool:
        codes = set(cancellation_codes(error)) - {"None", ""}
        return error_code(error) in {"TransactionInProgressException"} or (
            bool(codes) and codes <= TRANSIENT_CANCEL_CODES
        )

    retry_with_backoff(
        lambda: db.client.transact_write_items(TransactItems=actions, ClientRequestToken=token),
        transient,
    )


def _failure(error: ClientError, deltas: Sequence[Delta], record_index: int) -> ReservationFailed:
    if error_code(error) != "TransactionCanceledException":
        raise error
    codes = cancellation_codes(error)
    failed = [i for i, code in enumerate(codes) if code not in ("None", "")]
    if record_index in failed:
        return ReservationFailed("record_changed")
    details = [describe(deltas[i]) for i in failed if i < len(deltas)]
    return ReservationFailed("stock_changed", details)


def _guarded(db: Database, actions: list[dict[str, Any]], token: str) -> bool:
    """Run a recovery step; False when the record's guard said it was already done."""
    try:
        _transact(db, actions, token)
    except ClientError as error:
        if "ConditionalCheckFailed" in cancellation_codes(error)[-1:]:
            return False
        raise
    return True


# --------------------------------------------------------------------------- commit


def commit(db: Database, deltas: Sequence[Delta], record: RecordWrite) -> None:
    """Apply `deltas` and write `record`, all or nothing (raises ReservationFailed)."""
    kept = [d for d in deltas if not d.is_empty()]
    op = uuid.uuid4().hex
    if len(kept) <= CHUNK_SIZE:
        actions = [delta_action(db, d, checked=True) for d in kept]
        actions.append(_record_action(db, record))
        try:
            _transact(db, actions, op)
        except ClientError as error:
            raise _failure(error, kept, len(kept)) from error
        return
    _commit_in_chunks(db, kept, record, op)


def _chunks(deltas: list[Delta]) -> tuple[list[list[Delta]], int]:
    """Every take before every release, CHUNK_SIZE a chunk; and how many chunks are takes."""
    takes, releases = takes_then_releases(deltas)
    take_chunks = [takes[i : i + CHUNK_SIZE] for i in range(0, len(takes), CHUNK_SIZE)]
    release_chunks = [releases[i : i + CHUNK_SIZE] for i in range(0, len(releases), CHUNK_SIZE)]
    return take_chunks + release_chunks, len(take_chunks)


def _mark(op: str, number: int) -> str:
    return f"{op}:{number}"


def _commit_in_chunks(db: Database, deltas: list[Delta], record: RecordWrite, op: str) -> None:
    chunks, takes = _chunks(deltas)
    now = time.time()
    pending = {
        "chunks": [[delta_json(d) for d in chunk] for chunk in chunks],
        "takes": takes,
        "creating": record.creating,
        "final": dict(record.attributes),
        "removes": list(record.removes),
    }
    begin: dict[str, Any] = {
        "pending_op": op,
        "pending": json.dumps(pending),
        "pending_since": int(now),
        "pending_until": _deadline.get() or now + DEFAULT_HOLD_SECONDS,
    }
    if record.creating:
        begin["status"] = "pending"
    condition, values = _record_condition(record)
    try:
        db.client.transact_write_items(
            TransactItems=[_record_update(db, record.order_id, condition, values, sets=begin)]
        )
    except ClientError as error:
        raise _failure(error, [], 0) from error
    for number, chunk in enumerate(chunks):
        mark = _mark(op, number)
        actions = [delta_action(db, d, checked=True) for d in chunk]
        actions.append(
            _record_update(
                db,
                record.order_id,
                "pending_op = :op AND NOT contains(applied, :mark) "
                "AND attribute_not_exists(recovery)",
                {":op": op, ":mark": mark},
                add_mark=mark,
            )
        )
        try:
            _transact(db, actions, mark)
        except ClientError as error:
            failure = _failure(error, chunk, len(chunk))
            recover(db, record.order_id)  # a take failed: roll the change back
            raise failure from error
    final = _record_update(
        db,
        record.order_id,
        "pending_op = :op AND attribute_not_exists(recovery)",
        {":op": op},
        sets=record.attributes,
        removes=(*PENDING_ATTRIBUTES, *record.removes),
    )
    try:
        db.client.transact_write_items(TransactItems=[final])
    except ClientError as error:
        raise _failure(error, [], 0) from error


# --------------------------------------------------------------------------- recovery


def recover(db: Database, order_id: str) -> str | None:
    """End the order's pending change, if it has one: roll it forward when every take is in,
    else back. Returns "forward", "rollback" or None (nothing was pending). Safe to call while
    others recover the same change, and while its original still runs (which then fails)."""
    direction: str | None = None
    for _ in range(RECOVERY_STEPS):
        record = order_record(db, order_id)
        if record is None or "pending_op" not in record:
            return direction
        op, pending = str(record["pending_op"]), json.loads(record["pending"])
        chunks = [[delta_from_json(d) for d in chunk] for chunk in pending["chunks"]]
        applied = set(record.get("applied") or ())
        direction = record.get("recovery")
        if direction is None:
            _fence(db, order_id, op, int(pending["takes"]), applied)
            continue
        if direction == "forward":
            final = (pending["final"], tuple(pending.get("removes", ())))
            _roll_forward(db, order_id, op, chunks, applied, final)
        else:
            _roll_back(db, order_id, op, chunks, applied, bool(pending["creating"]))
    raise RuntimeError(f"order {order_id!r}: its pending change kept moving; recover it again")


def _fence(db: Database, order_id: str, op: str, takes: int, applied: set[str]) -> None:
    """Decide the direction and stop the original: forward iff the last take is applied
    (chunks apply in order), under a condition that says the same, so a take the original
    lands meanwhile makes this step fail and the next re-read decide again."""
    last_take = _mark(op, takes - 1) if takes else None
    forward = last_take is None or last_take in applied
    condition = "pending_op = :op AND attribute_not_exists(recovery)"
    values: dict[str, Any] = {":op": op}
    if last_take is not None:
        condition += " AND " + ("" if forward else "NOT ") + "contains(applied, :last)"
        values[":last"] = last_take
    action = _record_update(
        db,
        order_id,
        condition,
        values,
        sets={"recovery": "forward" if forward else "rollback"},
    )
    _guarded(db, [action], f"fence:{uuid.uuid4().hex}")  # two fences may differ: own tokens


def _recovery_step(
    db: Database, order_id: str, op: str, number: int, chunk: list[Delta], applying: bool
) -> None:
    """Apply chunk `number` (forward) or undo it (rollback), unchecked, at most once: guarded by
    its mark being absent from, or present in, `applied`."""
    mark = _mark(op, number)
    guard = "NOT contains(applied, :mark)" if applying else "contains(applied, :mark)"
    actions = [delta_action(db, d if applying else d.inverse(), checked=False) for d in chunk]
    actions.append(
        _record_update(
            db,
            order_id,
            f"pending_op = :op AND {guard}",
            {":op": op, ":mark": mark},
            add_mark=mark if applying else None,
            delete_mark=None if applying else mark,
        )
    )
    _guarded(db, actions, f"{'redo' if applying else 'undo'}:{mark}")


def _roll_forward(
    db: Database,
    order_id: str,
    op: str,
    chunks: list[list[Delta]],
    applied: set[str],
    final: tuple[Mapping[str, Any], tuple[str, ...]],
) -> None:
    """`final`: the record's final attributes and those it removes."""
    for number, chunk in enumerate(chunks):
        if _mark(op, number) not in applied:
            _recovery_step(db, order_id, op, number, chunk, applying=True)
    finish = _record_update(
        db,
        order_id,
        "pending_op = :op AND recovery = :forward",
        {":op": op, ":forward": "forward"},
        sets=final[0],
        removes=(*PENDING_ATTRIBUTES, "recovery", *final[1]),
    )
    _guarded(db, [finish], f"finish:{op}")


def _roll_back(
    db: Database,
    order_id: str,
    op: str,
    chunks: list[list[Delta]],
    applied: set[str],
    creating: bool,
) -> None:
    for number in reversed(range(len(chunks))):
        if _mark(op, number) in applied:
            _recovery_step(db, order_id, op, number, chunks[number], applying=False)
    condition = "pending_op = :op AND attribute_not_exists(applied)"
    values = {":op": op}
    if creating:
        try:
            db.client.delete_item(
                TableName=db.table("orders"),
                Key=encode_item({"order_id": order_id}),
                ConditionExpression=condition,
                ExpressionAttributeValues={k: encode(v) for k, v in values.items()},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
        return
    restore = _record_update(
        db, order_id, condition, values, removes=(*PENDING_ATTRIBUTES, "recovery")
    )
    _guarded(db, [restore], f"restore:{op}")


# --------------------------------------------------------------------------- several orders


def _summed(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {n: a.get(n, 0) + b.get(n, 0) for n in {*a, *b}}


def merge_deltas(deltas: Sequence[Delta]) -> list[Delta]:
    """One delta per item (a transaction may touch an item once): units (and write-offs) of a
    SKU summed per node, capacity use summed per node and day; empty ones dropped."""
    stock: dict[str, StockDelta] = {}
    capacity: dict[tuple[str, str], CapacityDelta] = {}
    for d in deltas:
        if isinstance(d, StockDelta):
            old = stock.get(d.sku)
            stock[d.sku] = (
                d
                if old is None
                else StockDelta(
                    d.sku, _summed(old.units, d.units), _summed(old.write_off, d.write_off)
                )
            )
        else:
            key = (d.node_id, d.day)
            was = capacity.get(key)
            capacity[key] = (
                d
                if was is None
                else CapacityDelta(
                    d.node_id,
                    d.day,
                    was.orders + d.orders,
                    was.units + d.units,
                    was.same_day + d.same_day,
                    d.limits,
                )
            )
    merged: list[Delta] = [
        StockDelta(
            sku,
            {n: q for n, q in delta.units.items() if q},
            {n: q for n, q in delta.write_off.items() if q},
        )
        for sku, delta in sorted(stock.items())
    ]
    merged += [capacity[key] for key in sorted(capacity)]
    return [d for d in merged if not d.is_empty()]


def commit_together(db: Database, deltas: Sequence[Delta], records: Sequence[RecordWrite]) -> None:
    """Several orders' changes in ONE transaction (moves that only fit together, e.g. two orders
    swapping stock): `deltas` merged per item, each record under its own condition. All or
    nothing, never chunked (so no pending state to recover); `ReservationFailed.orders` names
    the records whose condition failed."""
    merged = merge_deltas(deltas)
    if len(merged) + len(records) > TRANSACTION_LIMIT:
        raise ValueError(
            f"{len(merged)} items and {len(records)} orders exceed one transaction "
            f"({TRANSACTION_LIMIT} actions)"
        )
    actions = [delta_action(db, d, checked=True) for d in merged]
    actions += [_record_action(db, record) for record in records]
    try:
        _transact(db, actions, uuid.uuid4().hex)
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        codes = cancellation_codes(error)
        failed = [i for i, code in enumerate(codes) if code not in ("None", "")]
        orders = [records[i - len(merged)].order_id for i in failed if i >= len(merged)]
        if orders:
            raise ReservationFailed("record_changed", orders=orders) from error
        details = [describe(merged[i]) for i in failed if i < len(merged)]
        raise ReservationFailed("stock_changed", details) from error
