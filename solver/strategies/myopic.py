"""`myopic`: each order in arrival order gets its own optimum with what earlier ones left.

This is what a real-time router does, and the path the API takes for one order. Re-planning
orders that hold an allocation (spec §7), it re-sources them one at a time the same way
(`solver/resourcing.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_solver import solve_order
from solver.pricing import ChosenShipment
from solver.resourcing import keep_where_possible, resource_one_by_one
from solver.strategies.base import BatchDecision, arrival_order


def plan_myopic(
    network: Network, orders: Sequence[Order], ledger: Ledger | None = None
) -> BatchDecision:
    ledger = ledger or Ledger.fresh(network)
    if network.current is not None:
        return BatchDecision(resource_one_by_one(network, orders, arrival_order(orders), ledger))
    shipments: list[tuple[ChosenShipment, ...]] = [() for _ in orders]
    for i in arrival_order(orders):
        order = orders[i]
        solution = solve_order(network, order, ledger)
        sku_by_line = {line.line_id: line.sku for line in order.lines}
        for chosen in solution.chosen:
            ledger.take(network, sku_by_line, chosen)
        shipments[i] = solution.chosen
    return BatchDecision(shipments)


def replan_baselines(network: Network, orders: Sequence[Order]) -> dict[str, BatchDecision]:
    """Spec §7: every current allocation kept where it can be (first come, first kept; the
    others keep their locks), and the one-by-one re-sourcing: `optimal`'s starting plans."""
    arrival = arrival_order(orders)
    kept = keep_where_possible(network, orders, arrival, Ledger.fresh(network))
    return {"current": BatchDecision(kept), "myopic": plan_myopic(network, orders)}
