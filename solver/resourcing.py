"""Re-planning one order at a time (spec §7), the way an order-management system re-sources.

Every order-management system studied re-sources order by order and keeps every other order
where it is. `myopic` does the same when its network re-plans:

1. Every locked unit is taken first: nobody else may have what is already picked.
2. In arrival order, each order whose current allocation may still go (every node still serves
   it by that method, no new unit on a fence) and still fits what is left keeps it: first come,
   first kept, when stock or capacity is now short.
3. In arrival order, each order gives back what it holds and takes its own optimum (the
   per-order solver, move penalties and locks included) from what is left, while the orders
   after it still hold theirs. An order that could keep its allocation never ends up costing
   more than keeping it.

`optimal` starts from the same plans (its baselines when re-planning).
"""

from __future__ import annotations

from collections.abc import Sequence

from solver.current import OrderCurrent
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_solver import solve_order
from solver.pricing import (
    SAME_DAY,
    ChosenShipment,
    OrderMethods,
    moved_units,
    order_methods,
    price_order,
)

Decision = tuple[ChosenShipment, ...]


def locked_decision(network: Network, order: Order) -> Decision:
    """The order's locked units at their nodes, by their methods, and nothing else: the least
    any re-plan of it ships (`()` when it has no lock)."""
    current = _current_of(network, order)
    if current is None:
        return ()
    return tuple(
        ChosenShipment(s.node, s.key, {lid: q for lid, q in s.locked.items() if q})
        for s in current.locked_shipments
    )


def kept_decision(
    network: Network, order: Order, methods: OrderMethods | None = None
) -> Decision | None:
    """The order's current allocation as a decision, if each of its shipments may still go
    (the node serves the order by that method; no unit beyond the locks on a fence, or at a
    node that serves it no more); None if not, or if it holds nothing."""
    current = _current_of(network, order)
    if current is None:
        return None
    methods = methods or order_methods(network, order)
    serves = network.serves_channel(order.channel)
    fences = network.current.fences if network.current is not None else frozenset()
    sku_of = {line.line_id: network.sku_index[line.sku] for line in order.lines}
    for s in current.shipments:
        beyond_locks = [lid for lid in s.units if s.unlocked(lid) > 0]
        if not methods.allowed(s.key, s.node):
            return None
        if beyond_locks and not serves[s.node]:
            return None
        if any((s.node, sku_of[lid]) in fences for lid in beyond_locks):
            return None
    return tuple(ChosenShipment(s.node, s.key, dict(s.units)) for s in current.shipments)


def keep_where_possible(
    network: Network, orders: Sequence[Order], arrival: Sequence[int], ledger: Ledger
) -> list[Decision]:
    """Steps 1 and 2: locks for all, then the current allocation of each order (in `arrival`
    order) that may still go and fits; the others keep only their locks. `ledger` ends up
    holding the result."""
    decisions = [locked_decision(network, order) for order in orders]
    for i, order in enumerate(orders):
        _take(network, ledger, order, decisions[i])
    for i in arrival:
        kept = kept_decision(network, orders[i])
        if kept is None:
            continue
        _give_back(network, ledger, orders[i], decisions[i])
        _take(network, ledger, orders[i], kept)
        if _fits(network, ledger, orders[i], kept):
            decisions[i] = kept
        else:
            _give_back(network, ledger, orders[i], kept)
            _take(network, ledger, orders[i], decisions[i])
    return decisions


def resource_one_by_one(
    network: Network, orders: Sequence[Order], arrival: Sequence[int], ledger: Ledger
) -> list[Decision]:
    """Steps 1 to 3 (see the module): each order's plan, in the orders' positions."""
    decisions = keep_where_possible(network, orders, arrival, ledger)
    for i in arrival:
        _give_back(network, ledger, orders[i], decisions[i])
        decisions[i] = solve_order(network, orders[i], ledger).chosen
        _take(network, ledger, orders[i], decisions[i])
    return decisions


def moves_that_pay(
    network: Network, orders: Sequence[Order], arrival: Sequence[int], decisions: list[Decision]
) -> list[Decision]:
    """Each moved order re-decided alone, in arrival order, against every other order's plan:
    its exact optimum with the move penalties, which keeps it where it was whenever that
    still fits and is cheaper. So no order ends up moved where moving it back alone would
    cost less; the plan's cost never rises. `optimal` finishes a re-plan with this."""
    ledger = Ledger.fresh(network)
    for i, order in enumerate(orders):
        _take(network, ledger, order, decisions[i])
    out = list(decisions)
    for i in arrival:
        order = orders[i]
        if moved_units(_current_of(network, order), out[i]) == 0:
            continue
        priced = price_order(network, order, out[i]).breakdown
        _give_back(network, ledger, order, out[i])
        solution = solve_order(network, order, ledger)
        if priced is not None and solution.cost < priced.total - 1e-6:
            out[i] = solution.chosen
        _take(network, ledger, order, out[i])
    return out


def _current_of(network: Network, order: Order) -> OrderCurrent | None:
    return network.current.of(order.order_id) if network.current is not None else None


def _fits(network: Network, ledger: Ledger, order: Order, decision: Decision) -> bool:
    """Whether nothing `decision` (already taken from `ledger`) touches is over its limit."""
    sku_of = {line.line_id: network.sku_index[line.sku] for line in order.lines}
    for c in decision:
        if ledger.orders_left[c.node] < 0 or ledger.units_left[c.node] < 0:
            return False
        if c.key == SAME_DAY and ledger.same_day_left[c.node] < 0:
            return False
        if any(ledger.stock[c.node, sku_of[lid]] < 0 for lid in c.units):
            return False
    return True


def _take(network: Network, ledger: Ledger, order: Order, decision: Decision) -> None:
    sku_by_line = {line.line_id: line.sku for line in order.lines}
    for c in decision:
        ledger.take(network, sku_by_line, c)


def _give_back(network: Network, ledger: Ledger, order: Order, decision: Decision) -> None:
    sku_by_line = {line.line_id: line.sku for line in order.lines}
    for c in decision:
        ledger.give_back(network, sku_by_line, c)
