"""Committing a chunk's re-plan: each changed order in ONE transaction (release what it held,
take what it now holds, write its record) guarded by the version the snapshot read, so an
order that changed since (a pick, a cancel, a reject, another reallocation) is skipped and
reported, never half-moved. The re-plan's commit steps come in an order that keeps every step
feasible (an order that takes what another releases commits after it); a step of several
orders (a cycle: each takes what another releases) is one transaction for all of them.

Capacity: an order re-committed today takes its shipments from today's capacity and releases
them from the day it was reserved on (the same item when that is today); the re-plan saw the
capacity that way (`replanning.py`). A retried commit of an order this reallocation already
committed (its version moved by one and `last_reallocation` names this run) counts as
committed, so the task can be retried after a crash at any point.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.dal.capacity import today
from functions.dal.database import Database
from functions.dal.order_index import backordered_rows, index_attributes, now_iso
from functions.dal.orders import chosen_from_rows
from functions.dal.reallocation.open_orders import order_records
from functions.dal.reservations import (
    TRANSACTION_LIMIT,
    Delta,
    RecordWrite,
    ReservationFailed,
    StockDelta,
    commit,
    commit_together,
    merge_deltas,
)
from functions.logic.orders.planning import reservation_deltas
from functions.logic.reallocation.snapshot import Snapshot, SnapshotOrder
from solver.models import Order, OrderPlan
from solver.network import Network
from solver.pricing import to_cents


@dataclass(frozen=True)
class OrderChange:
    """What the re-plan decided for one order, as the commit needs it."""

    order_id: str
    after_rows: tuple[dict[str, Any], ...]
    after_plan: OrderPlan
    reason: Mapping[str, Any] | None


@dataclass(frozen=True)
class CommitOutcome:
    order_id: str
    result: str
    """`committed`, `skipped` or `dry_run`."""
    reason: str | None = None
    version: int | None = None


def _deltas(network: Network, snap: SnapshotOrder, change: OrderChange, day: str) -> list[Delta]:
    """Release what the order holds (its unshipped shipments, on the day they were reserved)
    and take its new shipments today; a shipped shipment holds nothing and stays as it is."""
    order = snap.order
    shipped = {n for n, s in snap.shipments.items() if s.get("state") == "shipped"}
    held = [r for r in snap.chosen if r["node_id"] not in shipped]
    taken = [r for r in change.after_rows if r["node_id"] not in shipped]
    released = reservation_deltas(network, order, chosen_from_rows(network, held), snap.day, -1)
    took = reservation_deltas(network, order, chosen_from_rows(network, taken), day, 1)
    return merge_deltas([*released, *took])


def adds_to_shipped(snap: SnapshotOrder, change: OrderChange) -> str | None:
    """A node whose shipment already left but to which the re-plan adds units (none can be
    added to a shipment that has gone)."""
    shipped = {n for n, s in snap.shipments.items() if s.get("state") == "shipped"}
    before = {r["node_id"]: r["units"] for r in snap.chosen}
    for row in change.after_rows:
        node = row["node_id"]
        if node in shipped and any(
            q > before.get(node, {}).get(line, 0) for line, q in row["units"].items()
        ):
            return node
    return None


def record_attributes(
    network: Network,
    snap: SnapshotOrder,
    change: OrderChange,
    reallocation_id: str,
    day: str,
) -> dict[str, Any]:
    """The order's record after the move: its plan, what it holds, its index entry."""
    order: Order = snap.order
    version = snap.version + 1
    plan = to_cents(change.after_plan).model_dump(mode="json")  # as the API answers plans
    nodes = {r["node_id"] for r in change.after_rows}
    states = {n: s for n, s in snap.shipments.items() if n in nodes}
    for shipment in plan["shipments"]:
        shipment["state"] = states.get(shipment["node_id"], {}).get("state", "reserved")
        shipment["alternative"] = None
    held_any = any(sum(r["units"].values()) for r in change.after_rows)
    status = "reserved" if held_any else "backordered"
    body = {
        "order_id": order.order_id,
        "status": status,
        "day": day,
        "version": version,
        "excluded_nodes": list(snap.excluded),
        **plan,
        "backordered": backordered_rows(plan["unfilled"]),
    }
    chosen = chosen_from_rows(network, change.after_rows)
    return {
        "status": status,
        "plan": json.dumps(body),
        "chosen": json.dumps(list(change.after_rows)),
        "day": day,
        "version": version,
        "shipments": json.dumps(states),
        "last_reallocation": reallocation_id,
        **index_attributes(order, network, chosen, plan["unfilled"], routed_at=now_iso()),
    }


def _write(
    network: Network, snap: SnapshotOrder, change: OrderChange, reallocation_id: str, day: str
) -> tuple[list[Delta], RecordWrite]:
    attributes = record_attributes(network, snap, change, reallocation_id, day)
    deltas = _deltas(network, snap, change, day)
    return deltas, RecordWrite(snap.order.order_id, attributes, False, snap.version)


Writes = dict[str, tuple[list[Delta], RecordWrite]]


def _items(deltas: Sequence[Delta]) -> set[tuple[str, ...]]:
    """The items a list of deltas updates (one action each in a transaction)."""
    return {
        ("stock", d.sku) if isinstance(d, StockDelta) else ("capacity", d.node_id, d.day)
        for d in deltas
    }


def commit_steps(
    db: Database,
    snapshot: Snapshot,
    network: Network,
    steps: Sequence[Sequence[str]],
    changes: Mapping[str, OrderChange],
    reallocation_id: str,
) -> list[CommitOutcome]:
    """Commit the steps in order; every order of `changes` ends committed or skipped with its
    reason. Consecutive steps share a transaction while it has room (100 actions): each order
    is still wholly in or wholly out, and a transaction takes its net, so a step that takes
    what an earlier one in it releases fits as it does one after the other. A step of several
    orders (a cycle) is never cut; an order of more than 99 items commits alone (in chunks)."""
    by_id = {o.order.order_id: o for o in snapshot.orders}
    day = today()
    outcomes: list[CommitOutcome] = []
    group: list[Writes] = []
    items: set[tuple[str, ...]] = set()

    def flush() -> None:
        if group:
            outcomes.extend(_commit_group(db, list(group), by_id, reallocation_id))
        group.clear()
        items.clear()

    listed = {i for step in steps for i in step}
    unlisted = [[i] for i in changes if i not in listed]  # each on its own, last
    for step in [*steps, *unlisted]:
        ids = [i for i in step if i in changes]
        for order_id in list(ids):
            node = adds_to_shipped(by_id[order_id], changes[order_id])
            if node is not None:
                ids.remove(order_id)
                reason = f"adds_to_shipped: the shipment from {node} has already left"
                outcomes.append(CommitOutcome(order_id, "skipped", reason))
        if not ids:
            continue
        writes = {i: _write(network, by_id[i], changes[i], reallocation_id, day) for i in ids}
        touched = _items([d for ds, _ in writes.values() for d in ds])
        if len(touched) + len(writes) > TRANSACTION_LIMIT:
            flush()
            outcomes += _commit_alone(db, writes, by_id, reallocation_id)
            continue
        if len(items | touched) + sum(map(len, group)) + len(writes) > TRANSACTION_LIMIT:
            flush()
        group.append(writes)
        items.update(touched)
    flush()
    return outcomes


def _commit_group(
    db: Database, group: list[Writes], by_id: Mapping[str, SnapshotOrder], reallocation_id: str
) -> list[CommitOutcome]:
    """Steps in one transaction; an order that changed since the snapshot is dropped (and
    reported) and the others tried again; a shortage of stock or capacity sends the steps one
    by one, each with its own outcome."""
    outcomes: list[CommitOutcome] = []
    while group:
        writes: Writes = {i: w for step in group for i, w in step.items()}
        if len(group) == 1:
            return outcomes + _commit_alone(db, group[0], by_id, reallocation_id)
        try:
            commit_together(
                db, [d for ds, _ in writes.values() for d in ds], [r for _, r in writes.values()]
            )
        except ReservationFailed as failure:
            if failure.reason != "record_changed":
                for step in group:
                    outcomes += _commit_alone(db, step, by_id, reallocation_id)
                return outcomes
            _, resolved = _after_failure(db, failure, list(writes), by_id, reallocation_id)
            outcomes += resolved
            done = {o.order_id for o in resolved}
            group = [
                kept for step in group if (kept := {i: w for i, w in step.items() if i not in done})
            ]
            continue
        outcomes += [CommitOutcome(i, "committed", version=by_id[i].version + 1) for i in writes]
        return outcomes
    return outcomes


def _commit_alone(
    db: Database, writes: Writes, by_id: Mapping[str, SnapshotOrder], reallocation_id: str
) -> list[CommitOutcome]:
    """One step in its own transaction (an order of more than 99 items: in chunks)."""
    outcomes: list[CommitOutcome] = []
    ids = list(writes)
    while ids:
        try:
            _commit_step(db, {i: writes[i] for i in ids})
        except ReservationFailed as failure:
            ids, skipped = _after_failure(db, failure, ids, by_id, reallocation_id)
            outcomes += skipped
            continue
        outcomes += [CommitOutcome(i, "committed", version=by_id[i].version + 1) for i in ids]
        ids = []
    return outcomes


def _commit_step(db: Database, writes: Mapping[str, tuple[list[Delta], RecordWrite]]) -> None:
    if len(writes) == 1:
        ((deltas, record),) = writes.values()
        commit(db, deltas, record)
        return
    deltas = [d for ds, _ in writes.values() for d in ds]
    records = [record for _, record in writes.values()]
    if len(merge_deltas(deltas)) + len(records) > TRANSACTION_LIMIT:
        raise ReservationFailed("step_too_large", orders=list(writes))
    commit_together(db, deltas, records)


def _after_failure(
    db: Database,
    failure: ReservationFailed,
    ids: list[str],
    by_id: Mapping[str, SnapshotOrder],
    reallocation_id: str,
) -> tuple[list[str], list[CommitOutcome]]:
    """Which orders of a failed step to try again, and the outcomes of the others."""
    if failure.reason == "step_too_large":
        message = "the orders only fit together and are too many for one transaction"
        return [], [CommitOutcome(i, "skipped", "step_too_large: " + message) for i in ids]
    if failure.reason != "record_changed":
        detail = (
            ", ".join(str(d.get("sku") or d.get("node_id")) for d in failure.details)
            or "stock or capacity"
        )
        return [], [
            CommitOutcome(i, "skipped", f"stock_changed: {detail} changed since the snapshot")
            for i in ids
        ]
    failed = failure.orders or ids  # a single-order commit names no order: it is that one
    records = order_records(db, failed)
    outcomes = []
    for order_id in failed:
        record = records.get(order_id, {})
        expected = by_id[order_id].version
        if record.get("last_reallocation") == reallocation_id and (
            int(record.get("version", -1)) == expected + 1
        ):
            outcomes.append(CommitOutcome(order_id, "committed", version=expected + 1))
        else:
            outcomes.append(
                CommitOutcome(
                    order_id,
                    "skipped",
                    f"changed_since_snapshot: version {record.get('version')} "
                    f"(snapshot read {expected})",
                )
            )
    return [i for i in ids if i not in failed], outcomes


def stock_delta_units(deltas: Sequence[Delta]) -> int:
    """Units taken by a list of deltas (for reports)."""
    return sum(q for d in deltas if isinstance(d, StockDelta) for q in d.units.values() if q > 0)
