"""Apply scenario changes to the model records: one pure function per kind of change.

A `ScenarioInput` (network records + orders) goes in, a new one comes out; nothing is mutated.
A change that refers to something the dataset does not have raises `ChangeRejected` naming the
field; `apply_changes` turns that into a `ScenarioError`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import zipcodes
from pydantic import ValidationError

from solver.loading import NetworkRecords
from solver.models import PARCEL_SERVICES, Node, Order, Settings, StockRow
from solver.network import Network
from solver.pricing import haversine_km
from solver.scenarios.demand import (
    order_day,
    region_demand,
    scale_demand,
    shift_service_mix,
    spread_days,
)
from solver.scenarios.errors import ScenarioError
from solver.scenarios.models import (
    UNLIMITED,
    AddNode,
    Area,
    Change,
    ChangeSettings,
    ChangeStock,
    ChangeTransit,
    CloseNodes,
    OpenNodes,
    OrderRules,
    OutageAt,
    Place,
    RegionDemand,
    ScaleDemand,
    ScaleRates,
    SetCapacity,
    SetPickup,
    SetSameDay,
    ShiftServiceMix,
    SpreadDays,
    _NodeChange,
)
from solver.scenarios.outages import Outage


@dataclass(frozen=True)
class ScenarioInput:
    """What a scenario plans: the network records, the orders, and nodes going offline during
    the run (`outage_at`)."""

    records: NetworkRecords
    orders: tuple[Order, ...]
    outages: tuple[Outage, ...] = ()

    def network(self) -> Network:
        return self.records.build()


class ChangeRejected(ValueError):
    """A change that does not fit the dataset (unknown node, SKU, zone, ZIP...)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def apply_changes(
    start: ScenarioInput,
    changes: Sequence[Change],
    *,
    file: str,
    scenario: str,
) -> tuple[ScenarioInput | None, list[ScenarioError]]:
    """Apply `changes` in order; every rejected change is reported (later ones still tried)."""
    current = start
    errors: list[ScenarioError] = []
    for position, change in enumerate(changes, start=1):
        try:
            current = apply_change(current, change)
        except ChangeRejected as exc:
            errors.append(
                ScenarioError(
                    file,
                    exc.message,
                    scenario=scenario,
                    change=position,
                    change_kind=change.kind,
                    field=exc.field,
                )
            )
    return (None, errors) if errors else (current, [])


def apply_change(current: ScenarioInput, change: Change) -> ScenarioInput:
    return _APPLY[type(change)](current, change)


# --------------------------------------------------------------------------- places and nodes


def place_point(place: Place, field: str) -> tuple[float, float]:
    """(lat, lon) of a place; a ZIP code is its centroid in the offline `zipcodes` package."""
    if place.zip is None:
        assert place.lat is not None and place.lon is not None
        return place.lat, place.lon
    matches = zipcodes.matching(place.zip)
    if not matches:
        raise ChangeRejected(f"{field}.zip", f"unknown ZIP code {place.zip!r}")
    return float(matches[0]["lat"]), float(matches[0]["long"])


def within(
    area: Area, field: str, lat: np.ndarray, lon: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(mask of points within the area, their distances to its centre in km)."""
    c_lat, c_lon = place_point(area, field)
    km = haversine_km(c_lat, c_lon, lat, lon)
    return km <= area.radius_km, km


def select_nodes(nodes: Sequence[Node], change: _NodeChange) -> list[int]:
    """Indices of the nodes the change names (every given filter must hold)."""
    index = {n.node_id: i for i, n in enumerate(nodes)}
    chosen = np.ones(len(nodes), dtype=bool)
    if change.nodes:
        listed = np.zeros(len(nodes), dtype=bool)
        for k, node_id in enumerate(change.nodes):
            if node_id not in index:
                raise ChangeRejected(f"nodes[{k}]", f"unknown node {node_id!r}")
            listed[index[node_id]] = True
        chosen &= listed
    if change.node_kinds:
        chosen &= np.array([n.kind in change.node_kinds for n in nodes], dtype=bool)
    picked = [int(i) for i in np.flatnonzero(chosen)]
    if change.near is not None:
        lat = np.array([nodes[i].lat for i in picked])
        lon = np.array([nodes[i].lon for i in picked])
        inside, km = within(change.near, "near", lat, lon)
        by_distance = sorted((float(km[j]), picked[j]) for j in np.flatnonzero(inside))
        if change.nearest is not None:
            by_distance = by_distance[: change.nearest]
        picked = sorted(i for _, i in by_distance)
    if not picked:
        raise ChangeRejected(None, "selects no node")
    return picked


def _with_nodes(current: ScenarioInput, nodes: Sequence[Node]) -> ScenarioInput:
    return replace(current, records=replace(current.records, nodes=tuple(nodes)))


def _update_nodes(
    current: ScenarioInput, change: _NodeChange, update: Callable[[Node], dict[str, Any]]
) -> ScenarioInput:
    nodes = list(current.records.nodes)
    for i in select_nodes(nodes, change):
        nodes[i] = nodes[i].model_copy(update=update(nodes[i]))
    return _with_nodes(current, nodes)


def _limit(value: int | str | None, current: int | None) -> int | None:
    """A new limit: None keeps the current one; `unlimited` is None in the model."""
    if value is None:
        return current
    return None if value == UNLIMITED else int(value)


def _scaled_limit(value: int | None, factor: float | None) -> int | None:
    return value if value is None or factor is None else math.floor(value * factor + 1e-9)


# --------------------------------------------------------------------------- node changes


def close_nodes(current: ScenarioInput, change: CloseNodes) -> ScenarioInput:
    return _update_nodes(current, change, lambda _n: {"active": False})


def outage_at(current: ScenarioInput, change: OutageAt) -> ScenarioInput:
    """The nodes go offline at the change's hour: recorded for the run (`outages.py`)."""
    nodes = current.records.nodes
    chosen = tuple(nodes[i].node_id for i in select_nodes(nodes, change))
    day = change.day
    if day is None:
        days = [d for d in (order_day(o) for o in current.orders) if d is not None]
        if not days:
            raise ChangeRejected("day", "no order has a created_at date: give day")
        day = min(days)
    at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(hours=change.hour)
    outage = Outage(chosen, at, change.picked_after_hours)
    return replace(current, outages=(*current.outages, outage))


def open_nodes(current: ScenarioInput, change: OpenNodes) -> ScenarioInput:
    return _update_nodes(current, change, lambda _n: {"active": True})


def set_capacity(current: ScenarioInput, change: SetCapacity) -> ScenarioInput:
    def update(node: Node) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("max_orders_per_day", "max_units_per_day", "same_day_capacity"):
            scaled = _scaled_limit(getattr(node, name), change.factor)
            out[name] = _limit(getattr(change, name), scaled)
        return out

    return _update_nodes(current, change, update)


def set_same_day(current: ScenarioInput, change: SetSameDay) -> ScenarioInput:
    def update(node: Node) -> dict[str, Any]:
        radius = node.same_day_radius_km if change.radius_km is None else change.radius_km
        capacity = _limit(change.capacity, node.same_day_capacity)
        return {
            "same_day": change.enabled,
            "same_day_radius_km": radius,
            "same_day_capacity": capacity,
        }

    return _update_nodes(current, change, update)


def set_pickup(current: ScenarioInput, change: SetPickup) -> ScenarioInput:
    return _update_nodes(current, change, lambda _n: {"pickup": change.enabled})


_LIMIT_FIELDS = ("max_orders_per_day", "max_units_per_day", "same_day_capacity")
_NOT_GIVEN_BY_FIELD = {"node_id", "kind", "lat", "lon", "active", *_LIMIT_FIELDS}
_NODE_FIELDS_OF_ADD = tuple(f for f in Node.model_fields if f not in _NOT_GIVEN_BY_FIELD)
"""Node fields an `add_node` change may give (the same names as in nodes.csv)."""


def add_node(current: ScenarioInput, change: AddNode) -> ScenarioInput:
    nodes = current.records.nodes
    index = {n.node_id: i for i, n in enumerate(nodes)}
    if change.node_id in index:
        raise ChangeRejected("node_id", f"node {change.node_id!r} already exists")
    for field in ("like", "stock_from"):
        named = getattr(change, field)
        if named is not None and named not in index:
            raise ChangeRejected(field, f"unknown node {named!r}")
    lat, lon = place_point(change.location, "location")
    data: dict[str, Any] = (
        nodes[index[change.like]].model_dump() if change.like is not None else {"active": True}
    )
    data.update(node_id=change.node_id, lat=lat, lon=lon, active=True)
    if change.node_kind is not None:
        data["kind"] = change.node_kind
    for field in _NODE_FIELDS_OF_ADD:
        if getattr(change, field) is not None:
            data[field] = getattr(change, field)
    for field in _LIMIT_FIELDS:
        data[field] = _limit(getattr(change, field), data.get(field))
    required = [f for f, info in Node.model_fields.items() if info.is_required()]
    missing = [f for f in required if f not in data]
    if missing:
        name = "node_kind" if missing[0] == "kind" else missing[0]
        raise ChangeRejected(name, "is required (or name a node to copy in like)")
    try:
        node = Node.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        raise ChangeRejected(where, str(first["msg"])) from exc
    stock = current.records.stock
    if change.stock_from is not None:
        copied = tuple(
            StockRow(
                node_id=change.node_id,
                sku=row.sku,
                on_hand=_round_units(row.on_hand * change.stock_factor),
                safety_stock=row.safety_stock,
            )
            for row in stock
            if row.node_id == change.stock_from
        )
        stock = (*stock, *copied)
    records = replace(current.records, nodes=(*nodes, node), stock=stock)
    return replace(current, records=records)


# --------------------------------------------------------------------------- stock


def _round_units(value: float) -> int:
    """Nearest whole unit, halves up (never below 0)."""
    return max(0, math.floor(value + 0.5))


def change_stock(current: ScenarioInput, change: ChangeStock) -> ScenarioInput:
    records = current.records
    node_ids = {n.node_id for n in records.nodes}
    sku_ids = {s.sku for s in records.skus}
    for k, node_id in enumerate(change.nodes):
        if node_id not in node_ids:
            raise ChangeRejected(f"nodes[{k}]", f"unknown node {node_id!r}")
    for k, sku in enumerate(change.skus):
        if sku not in sku_ids:
            raise ChangeRejected(f"skus[{k}]", f"unknown SKU {sku!r}")
    kinds = {n.node_id: n.kind for n in records.nodes}
    nodes, skus = set(change.nodes), set(change.skus)

    def touched(row: StockRow) -> bool:
        return (
            (not nodes or row.node_id in nodes)
            and (not change.node_kinds or kinds[row.node_id] in change.node_kinds)
            and (not skus or row.sku in skus)
        )

    def updated(row: StockRow) -> StockRow:
        on_hand, safety = row.on_hand, row.safety_stock
        if change.on_hand is not None:
            on_hand = change.on_hand
        elif change.on_hand_factor is not None:
            on_hand = _round_units(on_hand * change.on_hand_factor)
        if change.safety_stock is not None:
            safety = change.safety_stock
        elif change.safety_stock_factor is not None:
            safety = _round_units(safety * change.safety_stock_factor)
        return row.model_copy(update={"on_hand": on_hand, "safety_stock": safety})

    stock = tuple(updated(row) if touched(row) else row for row in records.stock)
    return replace(current, records=replace(records, stock=stock))


# --------------------------------------------------------------------------- carriers, settings


def _known(values: Sequence[str], allowed: Sequence[str], field: str, what: str) -> set[str]:
    """The given values (all of `allowed` when none given), each checked."""
    for k, value in enumerate(values):
        if value not in allowed:
            raise ChangeRejected(f"{field}[{k}]", f"unknown {what} {value!r}")
    return set(values or allowed)


def scale_rates(current: ScenarioInput, change: ScaleRates) -> ScenarioInput:
    records = current.records
    services = _known(change.services, PARCEL_SERVICES, "services", "service")
    zones = _known(change.zones, [z.zone for z in records.zones], "zones", "zone")
    rates = tuple(
        r.model_copy(update={"cost": round(r.cost * change.factor, 6)})
        if r.service in services and r.zone in zones
        else r
        for r in records.rates
    )
    return replace(current, records=replace(records, rates=rates))


def change_transit(current: ScenarioInput, change: ChangeTransit) -> ScenarioInput:
    records = current.records
    services = _known(change.services, PARCEL_SERVICES, "services", "service")
    zones = _known(change.zones, [z.zone for z in records.zones], "zones", "zone")

    def days(old: int) -> int:
        return change.days if change.days is not None else max(0, old + (change.add_days or 0))

    transits = tuple(
        t.model_copy(update={"days": days(t.days)})
        if t.service in services and t.zone in zones
        else t
        for t in records.transits
    )
    return replace(current, records=replace(records, transits=transits))


def change_settings(current: ScenarioInput, change: ChangeSettings) -> ScenarioInput:
    settings = current.records.settings
    data = settings.model_dump()
    for name, value in change.model_dump(exclude={"kind"}, exclude_none=True).items():
        if name == "default_promise_days":
            data[name] = {**data[name], **value}
        else:
            data[name] = value
    new = Settings.model_validate(data)
    return replace(current, records=replace(current.records, settings=new))


def order_rules(current: ScenarioInput, change: OrderRules) -> ScenarioInput:
    limit = None if change.max_shipments == UNLIMITED else change.max_shipments
    services = set(change.services)
    orders = tuple(
        o.model_copy(update={"max_shipments": limit})
        if not services or o.service in services
        else o
        for o in current.orders
    )
    return replace(current, orders=orders)


# --------------------------------------------------------------------------- demand


def _demand(current: ScenarioInput, change: ScaleDemand) -> ScenarioInput:
    return replace(current, orders=scale_demand(current.orders, change.factor, change.seed))


def _service_mix(current: ScenarioInput, change: ShiftServiceMix) -> ScenarioInput:
    orders = shift_service_mix(
        current.orders, change.from_service, change.to_service, change.share, change.seed
    )
    return replace(current, orders=orders)


def _region(current: ScenarioInput, change: RegionDemand) -> ScenarioInput:
    lat = np.array([o.customer.lat for o in current.orders], dtype=float)
    lon = np.array([o.customer.lon for o in current.orders], dtype=float)
    inside, _ = within(change.near, "near", lat, lon)
    orders = region_demand(current.orders, inside, change.factor, change.only, change.seed)
    return replace(current, orders=orders)


def _spread(current: ScenarioInput, change: SpreadDays) -> ScenarioInput:
    orders = spread_days(current.orders, change.days, change.start, change.seed)
    return replace(current, orders=orders)


_APPLY: dict[type, Callable[[ScenarioInput, Any], ScenarioInput]] = {
    CloseNodes: close_nodes,
    OpenNodes: open_nodes,
    OutageAt: outage_at,
    AddNode: add_node,
    SetCapacity: set_capacity,
    ChangeStock: change_stock,
    SetSameDay: set_same_day,
    SetPickup: set_pickup,
    ScaleRates: scale_rates,
    ChangeTransit: change_transit,
    ChangeSettings: change_settings,
    OrderRules: order_rules,
    ScaleDemand: _demand,
    ShiftServiceMix: _service_mix,
    RegionDemand: _region,
    SpreadDays: _spread,
}
