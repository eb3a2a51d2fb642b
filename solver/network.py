"""The fulfilment network in memory: validated records indexed into arrays for fast solving.

A `Network` is immutable; what changes while planning (stock and capacity left) lives in a
`Ledger` (`ledger.py`). A `Dataset` is a network plus the orders to plan. A network that
re-plans orders already holding a reservation carries that current allocation (spec §7,
`solver/current.py`): then pricing adds move penalties, the per-order solver keeps locks and
fences, and the checker checks them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from solver.current import CurrentAllocation
from solver.models import (
    PARCEL_SERVICES,
    Node,
    Order,
    Rate,
    Settings,
    Sku,
    StockRow,
    Transit,
    Zone,
)

UNLIMITED = np.iinfo(np.int64).max // 4
"""Stands for an empty capacity cell ("no limit") in integer capacity arrays."""


@dataclass(frozen=True, eq=False)
class Network:
    nodes: tuple[Node, ...]
    skus: tuple[Sku, ...]
    zones: tuple[Zone, ...]
    settings: Settings
    node_index: dict[str, int]
    sku_index: dict[str, int]
    zone_index: dict[str, int]
    zone_max_km: np.ndarray
    """Upper bound of each zone in km, ascending; `inf` for an open last band."""
    rate_table: np.ndarray
    """`rate_table[service, zone, kg]`: parcel cost for a billable weight of `kg`, `nan` if none."""
    transit_days: np.ndarray
    """`transit_days[service, zone]`, -1 where the table has no row."""
    on_hand: np.ndarray
    safety_stock: np.ndarray
    current: CurrentAllocation | None = None
    """Spec §7: the allocation a re-plan starts from (None: a plan from scratch)."""
    # Per-node arrays, derived from `nodes` for vectorised pricing.
    lat: np.ndarray = field(init=False)
    lon: np.ndarray = field(init=False)
    sku_weight: np.ndarray = field(init=False)
    sku_value: np.ndarray = field(init=False)
    active: np.ndarray = field(init=False)
    ships: np.ndarray = field(init=False)
    processing_days: np.ndarray = field(init=False)
    same_day: np.ndarray = field(init=False)
    same_day_radius_km: np.ndarray = field(init=False)
    handling_per_order: np.ndarray = field(init=False)
    handling_per_unit: np.ndarray = field(init=False)
    dropship_fee: np.ndarray = field(init=False)
    _serving: dict[str | None, np.ndarray] = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        def per_node(name: str, dtype: type) -> np.ndarray:
            return np.array([getattr(n, name) for n in self.nodes], dtype=dtype)

        for name, dtype in (
            ("active", bool),
            ("ships", bool),
            ("processing_days", np.int64),
            ("same_day", bool),
            ("same_day_radius_km", float),
            ("handling_per_order", float),
            ("handling_per_unit", float),
            ("dropship_fee", float),
        ):
            object.__setattr__(self, name, per_node(name, dtype))
        object.__setattr__(self, "lat", np.array([n.lat for n in self.nodes], dtype=float))
        object.__setattr__(self, "lon", np.array([n.lon for n in self.nodes], dtype=float))
        object.__setattr__(
            self, "sku_weight", np.array([s.weight_kg for s in self.skus], dtype=float)
        )
        object.__setattr__(
            self, "sku_value", np.array([s.unit_value for s in self.skus], dtype=float)
        )

    def serves_channel(self, channel: str | None) -> np.ndarray:
        """Spec §5.3/§5.4: active nodes whose channels admit `channel` (None: any node)."""
        if channel not in self._serving:
            self._serving[channel] = self.active & np.array(
                [not channel or not n.channels or channel in n.channels for n in self.nodes],
                dtype=bool,
            )
        return self._serving[channel]

    @property
    def max_kg(self) -> int:
        """Largest billable weight any rate row accepts."""
        return int(self.rate_table.shape[2]) - 1

    def with_current(self, current: CurrentAllocation | None) -> Network:
        """The same network, re-planning against `current` (None: planning from scratch)."""
        return replace(self, current=current)

    def available_stock(self) -> np.ndarray:
        """Spec §1: on hand less safety stock, never below 0 (nothing reserved yet)."""
        return np.maximum(self.on_hand - self.safety_stock, 0)


@dataclass(frozen=True, eq=False)
class Dataset:
    name: str
    network: Network
    orders: tuple[Order, ...]


def build_network(
    nodes: Sequence[Node],
    skus: Sequence[Sku],
    stock: Sequence[StockRow],
    zones: Sequence[Zone],
    rates: Sequence[Rate],
    transits: Sequence[Transit],
    settings: Settings,
) -> Network:
    """Index records that `solver.loading` has already checked for consistency."""
    node_index = {n.node_id: i for i, n in enumerate(nodes)}
    sku_index = {s.sku: i for i, s in enumerate(skus)}
    zone_index = {z.zone: i for i, z in enumerate(zones)}
    zone_max_km = np.array([math.inf if z.max_km is None else z.max_km for z in zones], dtype=float)
    rate_table = _rate_table(rates, zone_index)
    transit_days = np.full((len(PARCEL_SERVICES), len(zones)), -1, dtype=np.int64)
    for t in transits:
        transit_days[PARCEL_SERVICES.index(t.service), zone_index[t.zone]] = t.days
    on_hand = np.zeros((len(nodes), len(skus)), dtype=np.int64)
    safety = np.zeros((len(nodes), len(skus)), dtype=np.int64)
    for row in stock:
        n, s = node_index[row.node_id], sku_index[row.sku]
        on_hand[n, s] += row.on_hand
        safety[n, s] += row.safety_stock
    return Network(
        nodes=tuple(nodes),
        skus=tuple(skus),
        zones=tuple(zones),
        settings=settings,
        node_index=node_index,
        sku_index=sku_index,
        zone_index=zone_index,
        zone_max_km=zone_max_km,
        rate_table=rate_table,
        transit_days=transit_days,
        on_hand=on_hand,
        safety_stock=safety,
    )


def _rate_table(rates: Sequence[Rate], zone_index: dict[str, int]) -> np.ndarray:
    """Spec §3: `rate(service, zone, kg)` is the cost of the smallest `max_kg >= kg`."""
    top = max((math.floor(r.max_kg) for r in rates), default=0)
    table = np.full((len(PARCEL_SERVICES), len(zone_index), top + 1), np.nan)
    by_key: dict[tuple[int, int], list[Rate]] = {}
    for r in rates:
        by_key.setdefault((PARCEL_SERVICES.index(r.service), zone_index[r.zone]), []).append(r)
    for (s, z), rows in by_key.items():
        rows.sort(key=lambda r: r.max_kg)
        for kg in range(1, top + 1):
            row = next((r for r in rows if r.max_kg >= kg), None)
            if row is not None:
                table[s, z, kg] = row.cost
    return table
