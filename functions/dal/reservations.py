"""Atomic reservations: stock, capacity and the order record change together or not at all.

A change is a list of deltas (units of a SKU at nodes; orders/units/same-day use of a node on a
day) plus one write of the order record. Takes carry condition expressions on stored numbers
(`levels.N.available >= :qty`, `units <= :limit_minus_qty`), so no interleaving of requests can
oversell. Up to 99 deltas go in ONE TransactWriteItems with the record. Larger changes run the
chunked protocol, which leaves nothing half-done:

1. the record gets `pending_op` (a placeholder item when the order is new);
2. each chunk is a transaction of its deltas plus `ADD applied :chunk` on the record, guarded by
   `pending_op = :op AND NOT contains(applied, :chunk)` (so a chunk applies at most once);
3. the record's final state is written under `pending_op = :op`.
If a chunk fails, the committed chunks are undone in reverse, each guarded by
`contains(applied, :chunk)` (so undoing is idempotent), and the record is restored.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from functions.dal.capacity import capacity_expiry
from functions.dal.client import (
    TRANSACTION_LIMIT,
    cancellation_codes,
    error_code,
    retry_with_backoff,
)
from functions.dal.codec import encode, encode_item
from functions.dal.database import Database
from functions.dal.stock import stock_update

TRANSIENT_CANCEL_CODES = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)
CHUNK_SIZE = TRANSACTION_LIMIT - 1
"""Deltas per transaction: the 100-action limit less one for the order record."""


@dataclass(frozen=True)
class StockDelta:
    """Units of one SKU taken (> 0) or released (< 0) at nodes: one update of its stock item."""

    sku: str
    units: Mapping[str, int]
    """node_id -> units (+ take, - release)."""
    shipped: bool = False
    """The released units left the building (a shipment went out): `on_hand` goes down with
    `reserved`, so `available` does not change."""

    def inverse(self) -> StockDelta:
        return StockDelta(self.sku, {node: -q for node, q in self.units.items()}, self.shipped)


@dataclass(frozen=True)
class CapacityDelta:
    """Capacity use of one node on one day; limits (None = none) guard takes."""

    node_id: str
    day: str
    orders: int = 0
    units: int = 0
    same_day: int = 0
    limits: tuple[int | None, int | None, int | None] = (None, None, None)

    def inverse(self) -> CapacityDelta:
        return CapacityDelta(self.node_id, self.day, -self.orders, -self.units, -self.same_day)


Delta = StockDelta | CapacityDelta


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


# --------------------------------------------------------------------------- actions


def _stock_action(db: Database, delta: StockDelta, checked: bool) -> dict[str, Any]:
    sets, conditions = [], []
    names: dict[str, str] = {"#levels": "levels"}
    values: dict[str, Any] = {}
    for i, (node_id, qty) in enumerate(sorted(delta.units.items())):
        names[f"#n{i}"] = node_id
        level = f"#levels.#n{i}"
        values[f":d{i}"] = encode(-qty)
        values[f":q{i}"] = encode(qty)
        if delta.shipped:
            sets.append(f"{level}.on_hand = {level}.on_hand + :q{i}")
        else:
            sets.append(f"{level}.available = {level}.available + :d{i}")
        sets.append(f"{level}.reserved = {level}.reserved + :q{i}")
        if checked and qty > 0 and not delta.shipped:
            conditions.append(f"{level}.available >= :q{i}")
        else:
            conditions.append(f"attribute_exists({level})")
    return {"Update": stock_update(db, delta.sku, sets, conditions, names, values)}


def _capacity_action(db: Database, delta: CapacityDelta, checked: bool) -> dict[str, Any]:
    amounts = {"orders": delta.orders, "units": delta.units, "same_day": delta.same_day}
    values: dict[str, Any] = {":expires": encode(capacity_expiry(delta.day))}
    adds, conditions = [], []
    for (name, amount), limit in zip(amounts.items(), delta.limits, strict=True):
        if amount == 0:
            continue
        values[f":{name}"] = encode(amount)
        adds.append(f"{name} :{name}")
        if checked and amount > 0 and limit is not None:
            values[f":{name}_max"] = encode(limit - amount)
            conditions.append(f"(attribute_not_exists({name}) OR {name} <= :{name}_max)")
    action: dict[str, Any] = {
        "TableName": db.table("capacity"),
        "Key": encode_item({"node_id": delta.node_id, "day": delta.day}),
        "UpdateExpression": "SET expires_at = :expires"
        + (" ADD " + ", ".join(adds) if adds else ""),
        "ExpressionAttributeValues": values,
    }
    if conditions:
        action["ConditionExpression"] = " AND ".join(conditions)
    return {"Update": action}


def _delta_action(db: Database, delta: Delta, checked: bool) -> dict[str, Any]:
    if isinstance(delta, StockDelta):
        return _stock_action(db, delta, checked)
    return _capacity_action(db, delta, checked)


def _describe(delta: Delta) -> dict[str, Any]:
    if isinstance(delta, StockDelta):
        return {"sku": delta.sku, "nodes": sorted(delta.units)}
    return {"node_id": delta.node_id, "day": delta.day, "capacity": True}


def _record_key(db: Database, order_id: str) -> tuple[str, dict[str, Any]]:
    return db.table("orders"), encode_item({"order_id": order_id})


def _record_update(
    db: Database,
    order_id: str,
    sets: Mapping[str, Any],
    condition: str,
    values: Mapping[str, Any],
    removes: Sequence[str] = (),
    adds: Mapping[str, Any] | None = None,
    deletes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    table, key = _record_key(db, order_id)
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
        clauses.append("REMOVE " + ", ".join(removes))
    if adds:
        clauses.append("ADD " + ", ".join(f"{k} {v}" for k, v in adds.items()))
    if deletes:
        clauses.append("DELETE " + ", ".join(f"{k} {v}" for k, v in deletes.items()))
    update: dict[str, Any] = {
        "TableName": table,
        "Key": key,
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


# --------------------------------------------------------------------------- commit


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
    details = [_describe(deltas[i]) for i in failed if i < len(deltas)]
    return ReservationFailed("stock_changed", details)


def commit(db: Database, deltas: Sequence[Delta], record: RecordWrite) -> None:
    """Apply `deltas` and write `record`, all or nothing (raises ReservationFailed)."""
    deltas = [d for d in deltas if _nonzero(d)]
    op = uuid.uuid4().hex
    if len(deltas) <= CHUNK_SIZE:
        condition, values = _record_condition(record)
        actions = [_delta_action(db, d, checked=True) for d in deltas]
        actions.append(
            _record_update(
                db, record.order_id, record.attributes, condition, values, record.removes
            )
        )
        try:
            _transact(db, actions, op)
        except ClientError as error:
            raise _failure(error, deltas, len(deltas)) from error
        return
    _commit_in_chunks(db, deltas, record, op)


def _nonzero(delta: Delta) -> bool:
    if isinstance(delta, StockDelta):
        return any(delta.units.values())
    return bool(delta.orders or delta.units or delta.same_day)


def _commit_in_chunks(db: Database, deltas: Sequence[Delta], record: RecordWrite, op: str) -> None:
    condition, values = _record_condition(record)
    begin_sets: dict[str, Any] = {"pending_op": op}
    if record.creating:
        begin_sets["status"] = "pending"
    try:
        db.client.transact_write_items(
            TransactItems=[_record_update(db, record.order_id, begin_sets, condition, values)]
        )
    except ClientError as error:
        raise _failure(error, [], 0) from error
    chunks = [deltas[i : i + CHUNK_SIZE] for i in range(0, len(deltas), CHUNK_SIZE)]
    applied: list[int] = []
    for number, chunk in enumerate(chunks):
        mark = f"{op}:{number}"
        actions = [_delta_action(db, d, checked=True) for d in chunk]
        actions.append(
            _record_update(
                db,
                record.order_id,
                {},
                "pending_op = :op AND NOT contains(applied, :mark)",
                {":op": op, ":mark": mark, ":marks": {mark}},
                adds={"applied": ":marks"},
            )
        )
        try:
            _transact(db, actions, mark)
        except ClientError as error:
            failure = _failure(error, chunk, len(chunk))
            compensate(db, record, op, chunks, applied)
            raise failure from error
        applied.append(number)
    final = _record_update(
        db,
        record.order_id,
        record.attributes,
        "pending_op = :op",
        {":op": op},
        removes=("pending_op", "applied", *record.removes),
    )
    db.client.transact_write_items(TransactItems=[final])


def compensate(
    db: Database,
    record: RecordWrite,
    op: str,
    chunks: Sequence[Sequence[Delta]],
    applied: Sequence[int],
) -> None:
    """Undo committed chunks (latest first), each at most once, then restore the record."""
    for number in reversed(applied):
        mark = f"{op}:{number}"
        actions = [_delta_action(db, d.inverse(), checked=False) for d in chunks[number]]
        actions.append(
            _record_update(
                db,
                record.order_id,
                {},
                "contains(applied, :mark)",
                {":mark": mark, ":marks": {mark}},
                deletes={"applied": ":marks"},
            )
        )
        try:
            _transact(db, actions, f"undo:{mark}")
        except ClientError as error:
            if "ConditionalCheckFailed" not in cancellation_codes(error)[-1:]:
                raise  # a genuine fault: the record keeps pending_op/applied for a sweeper
    table, key = _record_key(db, record.order_id)
    if record.creating:
        db.client.delete_item(
            TableName=table,
            Key=key,
            ConditionExpression="pending_op = :op",
            ExpressionAttributeValues={":op": encode(op)},
        )
    else:
        db.client.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="REMOVE pending_op, applied",
            ConditionExpression="pending_op = :op",
            ExpressionAttributeValues={":op": encode(op)},
        )


# --------------------------------------------------------------------------- several orders


def merge_deltas(deltas: Sequence[Delta]) -> list[Delta]:
    """One delta per item (a transaction may touch an item once): units of a SKU summed per
    node, capacity use summed per node and day."""
    stock: dict[str, dict[str, int]] = {}
    capacity: dict[tuple[str, str], CapacityDelta] = {}
    for d in deltas:
        if isinstance(d, StockDelta):
            if d.shipped:
                raise ValueError("shipped units are not re-committed with other orders")
            by_node = stock.setdefault(d.sku, {})
            for node, q in d.units.items():
                by_node[node] = by_node.get(node, 0) + q
        else:
            key = (d.node_id, d.day)
            old = capacity.get(key)
            capacity[key] = (
                d
                if old is None
                else CapacityDelta(
                    d.node_id,
                    d.day,
                    old.orders + d.orders,
                    old.units + d.units,
                    old.same_day + d.same_day,
                    d.limits,
                )
            )
    merged: list[Delta] = [
        StockDelta(sku, {n: q for n, q in units.items() if q})
        for sku, units in sorted(stock.items())
    ]
    merged += [capacity[key] for key in sorted(capacity)]
    return [d for d in merged if _nonzero(d)]


def commit_together(db: Database, deltas: Sequence[Delta], records: Sequence[RecordWrite]) -> None:
    """Several orders' changes in ONE transaction (moves that only fit together, e.g. two orders
    swapping stock): `deltas` merged per item, each record under its own condition. All or
    nothing; `ReservationFailed.orders` names the records whose condition failed."""
    merged = merge_deltas(deltas)
    if len(merged) + len(records) > TRANSACTION_LIMIT:
        raise ValueError(
            f"{len(merged)} items and {len(records)} orders exceed one transaction "
            f"({TRANSACTION_LIMIT} actions)"
        )
    actions = [_delta_action(db, d, checked=True) for d in merged]
    for record in records:
        condition, values = _record_condition(record)
        actions.append(
            _record_update(
                db, record.order_id, record.attributes, condition, values, record.removes
            )
        )
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
        details = [_describe(merged[i]) for i in failed if i < len(merged)]
        raise ReservationFailed("stock_changed", details) from error
