"""`myopic`: each order in arrival order gets its own optimum with what earlier ones left.

This is what a real-time router does, and the path the API takes for one order.
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_solver import solve_order
from solver.pricing import ChosenShipment
from solver.strategies.base import BatchDecision, arrival_order


def plan_myopic(
    network: Network, orders: Sequence[Order], ledger: Ledger | None = None
) -> BatchDecision:
    ledger = ledger or Ledger.fresh(network)
    shipments: list[tuple[ChosenShipment, ...]] = [() for _ in orders]
    for i in arrival_order(orders):
        order = orders[i]
        solution = solve_order(network, order, ledger)
        sku_by_line = {line.line_id: line.sku for line in order.lines}
        for chosen in solution.chosen:
            ledger.take(network, sku_by_line, chosen)
        shipments[i] = solution.chosen
    return BatchDecision(shipments)
