"""Stock and capacity left while a batch is being planned (spec §5.1, §5.2).

Strategies that plan order by order take from a `Ledger`; the checker fills one to find every
place a plan takes more than there is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from solver.network import UNLIMITED, Network
from solver.pricing import SAME_DAY, ChosenShipment


def _capacity(values: Iterable[int | None]) -> np.ndarray:
    return np.array([UNLIMITED if v is None else v for v in values], dtype=np.int64)


@dataclass
class Ledger:
    stock: np.ndarray
    """Available units per [node, sku] (on hand − safety stock − taken)."""
    orders_left: np.ndarray
    units_left: np.ndarray
    same_day_left: np.ndarray

    @classmethod
    def fresh(cls, network: Network) -> Ledger:
        nodes = network.nodes
        return cls(
            stock=network.available_stock().copy(),
            orders_left=_capacity(n.max_orders_per_day for n in nodes),
            units_left=_capacity(n.max_units_per_day for n in nodes),
            same_day_left=_capacity(n.same_day_capacity for n in nodes),
        )

    def copy(self) -> Ledger:
        return Ledger(
            self.stock.copy(),
            self.orders_left.copy(),
            self.units_left.copy(),
            self.same_day_left.copy(),
        )

    def take(self, network: Network, sku_by_line: dict[str, str], chosen: ChosenShipment) -> None:
        """Record one shipment; amounts may go negative, which the checker reports."""
        self._apply(network, sku_by_line, chosen, -1)

    def give_back(
        self, network: Network, sku_by_line: dict[str, str], chosen: ChosenShipment
    ) -> None:
        """Undo `take` of the same shipment."""
        self._apply(network, sku_by_line, chosen, 1)

    def _apply(
        self, network: Network, sku_by_line: dict[str, str], chosen: ChosenShipment, sign: int
    ) -> None:
        units = 0
        for line_id, qty in chosen.units.items():
            self.stock[chosen.node, network.sku_index[sku_by_line[line_id]]] += sign * qty
            units += qty
        self.orders_left[chosen.node] += sign
        self.units_left[chosen.node] += sign * units
        if chosen.key == SAME_DAY:
            self.same_day_left[chosen.node] += sign
