"""What one chunk of a reallocation is re-planned on, read right before re-planning it: the
records of its orders (each with its version: the commit is guarded by it), the stock of their
SKUs, today's capacity use of every node with a limit, and the network config. Written to S3
as one JSON document, so the re-plan and the commit work on exactly what was read.

Chunks are snapshotted one after another, each after the previous one committed, so a chunk
sees the stock and capacity the chunks before it took and released (docs/reallocation.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.dal.capacity import today
from functions.dal.database import Database
from functions.dal.network_config import NetworkConfig, network_config, node_item
from functions.dal.reallocation.open_orders import capacity_items, order_records
from functions.dal.stock import stock_items
from functions.logic.orders.shipments import shipment_states
from solver.models import Node, Order, Rate, Settings, Transit, Zone

OPEN_STATUSES = ("reserved", "backordered")


@dataclass(frozen=True)
class SnapshotOrder:
    """One order as its record stood when the chunk was read."""

    order: Order
    version: int
    status: str
    day: str
    chosen: tuple[dict[str, Any], ...]
    """Rows of `chosen`: {node_id, method, units}."""
    shipments: Mapping[str, Any]
    """node_id -> {state, ...} (`logic/orders/shipments.py`)."""
    excluded: tuple[str, ...]
    """Nodes this order must never use again (they rejected its lines)."""
    body: Mapping[str, Any]
    """The stored answer (its `plan`)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "order": self.order.model_dump(mode="json"),
            "version": self.version,
            "status": self.status,
            "day": self.day,
            "chosen": list(self.chosen),
            "shipments": dict(self.shipments),
            "excluded": list(self.excluded),
            "body": dict(self.body),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SnapshotOrder:
        return cls(
            Order.model_validate(data["order"]),
            int(data["version"]),
            data["status"],
            data["day"],
            tuple(data["chosen"]),
            data["shipments"],
            tuple(data["excluded"]),
            data["body"],
        )


@dataclass(frozen=True)
class Snapshot:
    day: str
    taken_at: float
    config: NetworkConfig
    orders: tuple[SnapshotOrder, ...]
    skipped: tuple[dict[str, str], ...]
    """Orders of the chunk not re-planned: {order_id, reason} (gone, closed, in progress)."""
    stock: tuple[dict[str, Any], ...]
    """Stock items of the orders' SKUs, as stored (levels with on_hand, safety, reserved,
    available, fenced_until)."""
    capacity: Mapping[str, Mapping[str, int]]
    """node_id -> today's use {orders, units, same_day} (nodes with a limit)."""

    def as_json(self) -> dict[str, Any]:
        config = self.config
        return {
            "day": self.day,
            "taken_at": self.taken_at,
            "config": {
                "version": config.version,
                "nodes": [node_item(n) for n in config.nodes],
                "zones": [z.model_dump(mode="json") for z in config.zones],
                "rates": [r.model_dump(mode="json") for r in config.rates],
                "transit": [t.model_dump(mode="json") for t in config.transits],
                "settings": config.settings.model_dump(mode="json"),
            },
            "orders": [o.as_json() for o in self.orders],
            "skipped": list(self.skipped),
            "stock": list(self.stock),
            "capacity": {k: dict(v) for k, v in self.capacity.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        c = data["config"]
        config = NetworkConfig.build(
            int(c["version"]),
            [Node.model_validate(n) for n in c["nodes"]],
            [Zone.model_validate(z) for z in c["zones"]],
            [Rate.model_validate(r) for r in c["rates"]],
            [Transit.model_validate(t) for t in c["transit"]],
            Settings.model_validate(c["settings"]),
        )
        return cls(
            data["day"],
            float(data["taken_at"]),
            config,
            tuple(SnapshotOrder.from_json(o) for o in data["orders"]),
            tuple(data["skipped"]),
            tuple(data["stock"]),
            data["capacity"],
        )


def take_snapshot(db: Database, order_ids: Sequence[str]) -> Snapshot:
    """Read the chunk's orders, their SKUs' stock, today's capacity use and the network."""
    taken_at = dt.datetime.now(dt.UTC).timestamp()
    day = today()
    records = order_records(db, order_ids)
    orders: list[SnapshotOrder] = []
    skipped: list[dict[str, str]] = []
    for order_id in order_ids:
        record = records.get(order_id)
        reason = _not_replannable(record)
        if reason is not None:
            skipped.append({"order_id": order_id, "reason": reason})
            continue
        assert record is not None
        orders.append(
            SnapshotOrder(
                Order.model_validate_json(record["order"]),
                int(record["version"]),
                record["status"],
                record["day"],
                tuple(json.loads(record["chosen"])),
                shipment_states(record),
                tuple(json.loads(record.get("excluded") or "[]")),
                json.loads(record["plan"]),
            )
        )
    config = network_config(db)
    skus = {line.sku for o in orders for line in o.order.lines}
    items = stock_items(db, skus)
    limited = [
        n.node_id
        for n in config.nodes
        if n.max_orders_per_day is not None
        or n.max_units_per_day is not None
        or n.same_day_capacity is not None
    ]
    use = capacity_items(db, [(node_id, day) for node_id in limited])
    capacity = {
        node_id: {
            k: int(use.get((node_id, day), {}).get(k, 0)) for k in ("orders", "units", "same_day")
        }
        for node_id in limited
    }
    return Snapshot(
        day,
        taken_at,
        config,
        tuple(orders),
        tuple(skipped),
        tuple(items[s] for s in sorted(items)),
        capacity,
    )


def _not_replannable(record: Mapping[str, Any] | None) -> str | None:
    if record is None or "plan" not in record:
        return "not_found"
    if "pending_op" in record:
        return "in_progress"
    if record.get("status") not in OPEN_STATUSES:
        return f"not_open ({record.get('status')})"
    return None
