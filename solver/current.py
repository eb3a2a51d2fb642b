"""The current allocation a re-plan starts from (spec §7), indexed like the network.

Orders that already hold a reservation are re-decided against it: what each order holds at each
node (and by which method), which of those units are locked (picked, packed or shipped there:
they never move) and the fences (node, SKU) nobody may take new units from. Built and checked
against a dataset by `solver.current_reading`; a `Network` carries one when it re-plans
(`Network.with_current`), so pricing, the per-order solver, the strategies and the checker all
see the same one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class HeldShipment:
    """One shipment of the current allocation: a node, a method key and the units per line."""

    node: int
    key: int
    """Method key (`solver.pricing.METHOD_KEYS`)."""
    units: Mapping[str, int]
    """Units held per line id (locked ones included)."""
    locked: Mapping[str, int] = field(default_factory=dict)
    """Of those, units locked per line id (never re-decided)."""

    @property
    def has_locks(self) -> bool:
        return any(self.locked.values())

    def unlocked(self, line_id: str) -> int:
        return self.units.get(line_id, 0) - self.locked.get(line_id, 0)


@dataclass(frozen=True)
class OrderCurrent:
    """What one order holds now."""

    order_id: str
    shipments: tuple[HeldShipment, ...]

    @cached_property
    def by_node(self) -> dict[int, HeldShipment]:
        return {s.node: s for s in self.shipments}

    @cached_property
    def locked_shipments(self) -> tuple[HeldShipment, ...]:
        return tuple(s for s in self.shipments if s.has_locks)

    @cached_property
    def held_units(self) -> int:
        return sum(sum(s.units.values()) for s in self.shipments)

    @cached_property
    def can_move(self) -> bool:
        """Whether any held unit is not locked (an order of locked units only never moves)."""
        return any(s.unlocked(lid) > 0 for s in self.shipments for lid in s.units)

    def held(self, node: int, line_id: str) -> int:
        found = self.by_node.get(node)
        return 0 if found is None else found.units.get(line_id, 0)

    def locked(self, node: int, line_id: str) -> int:
        found = self.by_node.get(node)
        return 0 if found is None else found.locked.get(line_id, 0)


@dataclass(frozen=True)
class CurrentAllocation:
    """Per order id, what it holds; and the fenced (node, sku) index pairs."""

    orders: Mapping[str, OrderCurrent]
    fences: frozenset[tuple[int, int]] = frozenset()

    def of(self, order_id: str) -> OrderCurrent | None:
        """The order's current allocation; None when it holds nothing (a new order)."""
        found = self.orders.get(order_id)
        return found if found is not None and found.shipments else None

    @cached_property
    def fenced_skus_by_node(self) -> dict[int, frozenset[int]]:
        by_node: dict[int, set[int]] = {}
        for node, sku in self.fences:
            by_node.setdefault(node, set()).add(sku)
        return {node: frozenset(skus) for node, skus in by_node.items()}
