"""What a reservation changes, as data: units of a SKU taken or released at nodes (and units
written off on hand), and the capacity use of a node on a day; each as the conditional update of
its one item (`reservations.py` commits them).

A delta splits into its take (what lowers availability: units taken, units written off, capacity
used; conditional, it can fail) and its release (what gives back; it cannot fail). The chunked
protocol commits every take before any release, so a change cut short can always be finished or
undone without overselling. Deltas are stored as JSON in a pending order record, so whoever
recovers it knows exactly what to apply or undo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from functions.dal.capacity import capacity_expiry
from functions.dal.codec import encode, encode_item
from functions.dal.stock import stock_update

if TYPE_CHECKING:
    from functions.dal.database import Database


@dataclass(frozen=True)
class StockDelta:
    """Units of one SKU taken (> 0) or released (< 0) at nodes, and units written off on hand
    (a node could not find them): one update of its stock item."""

    sku: str
    units: Mapping[str, int]
    """node_id -> units (+ take, - release)."""
    write_off: Mapping[str, int] = field(default_factory=dict)
    """node_id -> units taken off on hand and off available (- puts them back)."""

    def inverse(self) -> StockDelta:
        return StockDelta(
            self.sku,
            {node: -q for node, q in self.units.items()},
            {node: -q for node, q in self.write_off.items()},
        )

    def part(self, taking: bool) -> StockDelta:
        """Only the take (True) or only the release (False) of this delta."""

        def keep(q: int) -> bool:
            return q > 0 if taking else q < 0

        return StockDelta(
            self.sku,
            {n: q for n, q in self.units.items() if keep(q)},
            {n: q for n, q in self.write_off.items() if keep(q)},
        )

    def is_empty(self) -> bool:
        return not any(self.units.values()) and not any(self.write_off.values())


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

    def part(self, taking: bool) -> CapacityDelta:
        def keep(q: int) -> int:
            return q if (q > 0 if taking else q < 0) else 0

        return CapacityDelta(
            self.node_id,
            self.day,
            keep(self.orders),
            keep(self.units),
            keep(self.same_day),
            self.limits if taking else (None, None, None),
        )

    def is_empty(self) -> bool:
        return not (self.orders or self.units or self.same_day)


Delta = StockDelta | CapacityDelta


def takes_then_releases(deltas: list[Delta]) -> tuple[list[Delta], list[Delta]]:
    """(every take, every release) of `deltas`, empty parts dropped."""
    takes = [p for d in deltas if not (p := d.part(True)).is_empty()]
    releases = [p for d in deltas if not (p := d.part(False)).is_empty()]
    return takes, releases


def describe(delta: Delta) -> dict[str, Any]:
    """What a failed condition names to the caller."""
    if isinstance(delta, StockDelta):
        return {"sku": delta.sku, "nodes": sorted({*delta.units, *delta.write_off})}
    return {"node_id": delta.node_id, "day": delta.day, "capacity": True}


# --------------------------------------------------------------------------- as JSON


def delta_json(delta: Delta) -> dict[str, Any]:
    if isinstance(delta, StockDelta):
        return {"sku": delta.sku, "units": dict(delta.units), "write_off": dict(delta.write_off)}
    return {
        "node_id": delta.node_id,
        "day": delta.day,
        "orders": delta.orders,
        "units": delta.units,
        "same_day": delta.same_day,
        "limits": list(delta.limits),
    }


def delta_from_json(data: Mapping[str, Any]) -> Delta:
    if "sku" in data:
        return StockDelta(data["sku"], dict(data["units"]), dict(data.get("write_off", {})))
    limits = tuple(data.get("limits", (None, None, None)))
    return CapacityDelta(
        data["node_id"],
        data["day"],
        int(data["orders"]),
        int(data["units"]),
        int(data["same_day"]),
        (limits[0], limits[1], limits[2]),
    )


# --------------------------------------------------------------------------- as updates


def delta_action(db: Database, delta: Delta, checked: bool) -> dict[str, Any]:
    """The TransactWriteItems action of a delta. `checked`: takes carry their conditions
    (enough available, enough on hand, within the node's limits); unchecked, only that the
    node's stock entry exists (releases and undos, which must not fail)."""
    if isinstance(delta, StockDelta):
        return _stock_action(db, delta, checked)
    return _capacity_action(db, delta, checked)


def _stock_action(db: Database, delta: StockDelta, checked: bool) -> dict[str, Any]:
    sets, conditions = [], []
    names: dict[str, str] = {"#levels": "levels"}
    values: dict[str, Any] = {}
    for i, node_id in enumerate(sorted({*delta.units, *delta.write_off})):
        qty, off = delta.units.get(node_id, 0), delta.write_off.get(node_id, 0)
        names[f"#n{i}"] = node_id
        level = f"#levels.#n{i}"
        values[f":d{i}"] = encode(-qty - off)
        sets.append(f"{level}.available = {level}.available + :d{i}")
        if qty:
            values[f":q{i}"] = encode(qty)
            sets.append(f"{level}.reserved = {level}.reserved + :q{i}")
        if off:
            values[f":w{i}"] = encode(off)
            sets.append(f"{level}.on_hand = {level}.on_hand - :w{i}")
        guards = [f"attribute_exists({level})"]
        if checked and qty > 0:
            guards = [f"{level}.available >= :q{i}"]
        if checked and off > 0:
            guards.append(f"{level}.on_hand >= :w{i}")
        conditions.extend(guards)
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
