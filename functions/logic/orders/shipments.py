"""A shipment's life at its node, as the node reports it: `reserved` (the routing decision) ->
`released` (sent to the node) -> `picked` -> `shipped`.

Reports are idempotent and out-of-order safe: a shipment's state is the furthest state any
report reached (a late `released` after `picked` is recorded and changes nothing), and a report
seen before (same `event_id`) answers the same. Each change moves the order's `version`, so a
reallocation that snapshotted the order before skips it. Picked and shipped units are locked: a
reallocation never moves them. `shipped` takes the units out of `on_hand` and `reserved`
together (they left the building; `available` does not change), in the same transaction as the
record; from then on the shipment holds no stock, so cancelling the order releases only the
other shipments (`unshipped_rows`). An order whose every shipment is shipped and which waits
for nothing leaves the open-orders index.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from functions.dal.database import Database
from functions.dal.orders import order_record
from functions.dal.reservations import Delta, RecordWrite, ReservationFailed, StockDelta, commit
from functions.logic.errors import Conflict, not_found
from solver.models import Order

ShipmentState = Literal["reserved", "released", "picked", "shipped"]
STATES: tuple[ShipmentState, ...] = ("reserved", "released", "picked", "shipped")
LOCKED_STATES = frozenset({"picked", "shipped"})
"""States whose units never move (spec §7 `locked`)."""
EVENTS_KEPT = 50
"""Event ids remembered per shipment (a node re-sends a report a few times at most)."""
ATTEMPTS = 4


def shipment_states(record: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """node_id -> {state, events, at} as stored; a node without an entry is `reserved`."""
    raw = record.get("shipments")
    return dict(json.loads(raw)) if raw else {}


def state_at(record: Mapping[str, Any], node_id: str) -> ShipmentState:
    entry = shipment_states(record).get(node_id)
    return entry["state"] if entry else "reserved"


def locked_nodes(record: Mapping[str, Any]) -> set[str]:
    """Nodes whose shipment of this order is picked or shipped (its units are locked)."""
    return {n for n, entry in shipment_states(record).items() if entry["state"] in LOCKED_STATES}


def unshipped_rows(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The `chosen` rows still holding stock (not shipped): what cancelling releases."""
    states = shipment_states(record)
    return [
        row
        for row in json.loads(record["chosen"])
        if states.get(row["node_id"], {}).get("state") != "shipped"
    ]


RANK: dict[str, int] = {state: rank for rank, state in enumerate(STATES)}


def _rank(state: str) -> int:
    return RANK[state]


def record_event(
    db: Database,
    order_id: str,
    node_id: str,
    event_id: str,
    kind: ShipmentState,
    at: str | None = None,
) -> dict[str, Any]:
    """Apply one report of the node about the order's shipment there; the shipment's state."""
    for _ in range(ATTEMPTS):
        record = order_record(db, order_id)
        if record is None or "plan" not in record:
            raise not_found("order", order_id)
        if "pending_op" in record:
            raise Conflict("order_in_progress", f"order {order_id!r} is being changed; retry")
        if record["status"] == "cancelled":
            raise Conflict("order_cancelled", f"order {order_id!r} is cancelled")
        rows = json.loads(record["chosen"])
        row = next((r for r in rows if r["node_id"] == node_id), None)
        if row is None:
            raise _no_shipment(record, order_id, node_id, rows)
        states = shipment_states(record)
        entry = states.get(node_id) or {"state": "reserved", "events": [], "at": {}}
        if event_id in entry["events"]:
            return _answer(record, node_id, states)
        before = entry["state"]
        after = kind if _rank(kind) > _rank(before) else before
        entry = {
            "state": after,
            "events": [*entry["events"], event_id][-EVENTS_KEPT:],
            "at": {**entry.get("at", {}), kind: at},
        }
        states[node_id] = entry
        order = Order.model_validate_json(record["order"])
        deltas: list[Delta] = []
        if after == "shipped" and before != "shipped":
            deltas = _leaving(order, node_id, row["units"])
        version = int(record["version"]) + 1
        body = json.loads(record["plan"])
        body["version"] = version
        for shipment in body.get("shipments", []):
            shipment["state"] = states.get(shipment["node_id"], {}).get("state", "reserved")
        attributes = {"shipments": json.dumps(states), "plan": json.dumps(body), "version": version}
        closed = _all_shipped(rows, states) and not record.get("backordered")
        write = RecordWrite(
            order_id,
            attributes,
            False,
            int(record["version"]),
            removes=("open_shard",) if closed else (),
        )
        try:
            commit(db, deltas, write)
        except ReservationFailed:
            continue  # the order changed meanwhile: apply the report to its new state
        return _answer({**record, **attributes}, node_id, states)
    raise Conflict("order_changed", f"order {order_id!r} kept changing; retry")


def _leaving(order: Order, node_id: str, units: Mapping[str, int]) -> list[Delta]:
    sku_of = {line.line_id: line.sku for line in order.lines}
    by_sku: dict[str, int] = {}
    for line_id, qty in units.items():
        by_sku[sku_of[line_id]] = by_sku.get(sku_of[line_id], 0) + int(qty)
    # Released from the reservation and written off on hand: `available` does not change.
    return [
        StockDelta(sku, {node_id: -q}, write_off={node_id: q})
        for sku, q in sorted(by_sku.items())
        if q
    ]


def _all_shipped(rows: Sequence[Mapping[str, Any]], states: Mapping[str, Any]) -> bool:
    return all(states.get(r["node_id"], {}).get("state") == "shipped" for r in rows)


def _no_shipment(
    record: Mapping[str, Any], order_id: str, node_id: str, rows: Sequence[Mapping[str, Any]]
) -> Conflict:
    where = ", ".join(sorted(r["node_id"] for r in rows)) or "nowhere (backordered)"
    moved = record.get("last_reallocation")
    why = f"; reallocation {moved} last changed it" if moved else ""
    return Conflict(
        "no_shipment_at_node",
        f"order {order_id!r} has no shipment at {node_id!r}: it ships from {where}{why}",
    )


def _answer(record: Mapping[str, Any], node_id: str, states: Mapping[str, Any]) -> dict[str, Any]:
    rows = json.loads(record["chosen"])
    return {
        "order_id": record["order_id"],
        "node_id": node_id,
        "state": states.get(node_id, {}).get("state", "reserved"),
        "version": int(record["version"]),
        "shipments": {
            r["node_id"]: states.get(r["node_id"], {}).get("state", "reserved") for r in rows
        },
    }
