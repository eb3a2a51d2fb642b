"""Each rule of spec §7, on a network small enough to check by hand (tests/unit/replan_fixtures).

Costs there: handling 2.00 + 0.50 a unit everywhere; ground from W1 (zone 1) 5.00 for 1 kg,
from W2 (zone 2) 7.00; move penalties 3.00 an order and 0.50 a unit.
"""

from __future__ import annotations

import pytest

from solver.checker import check_plan
from solver.deadline import Deadline
from solver.ledger import Ledger
from solver.models import Settings, StockRow
from solver.network import Dataset
from solver.order_solver import solve_order
from solver.planning import plan_dataset
from solver.pricing import GROUND, PICKUP, TRANSFER, price_order
from tests.factories import network
from tests.unit.replan_fixtures import (
    NODES,
    PENALTIES,
    S1,
    SKUS,
    W1,
    W2,
    order,
    order_plan,
    replanning,
    ship,
    small_network,
)

# ------------------------------------------------------------------------ locks


def test_locked_units_stay_at_their_node_by_their_method():
    """W1 is cheaper than W2 and moving is free, but one unit is locked at W2."""
    net = small_network(Settings(move_penalty_per_order=0.0, move_penalty_per_unit=0.0))
    o = order("o", ("A", 2))
    data = replanning(net, [o], [order_plan(net, o, [ship(W2, _1=2)], {(W2, "1"): 1})])
    solution = solve_order(data.network, o, Ledger.fresh(net))
    at_w2 = [c for c in solution.chosen if c.node == W2]
    assert at_w2 and at_w2[0].key == GROUND and at_w2[0].units["1"] >= 1
    for strategy in ("myopic", "optimal"):
        plan = plan_dataset(data, strategy, Deadline(10))
        assert check_plan(data, plan).ok, strategy


def test_locked_units_ship_from_a_node_that_went_inactive_and_nothing_else_does():
    net = small_network(W2={"active": False})
    o = order("o", ("B", 2))
    data = replanning(net, [o], [order_plan(net, o, [ship(W2, _1=2)], {(W2, "1"): 1})])
    solution = solve_order(data.network, o, Ledger.fresh(net))
    by_node = {c.node: dict(c.units) for c in solution.chosen}
    assert by_node == {W2: {"1": 1}, W1: {"1": 1}}
    plan = plan_dataset(data, "optimal", Deadline(10))
    assert check_plan(data, plan).ok
    assert plan.orders[0].moved_units == 1


def test_an_order_whose_units_are_all_locked_never_moves():
    net = small_network(Settings(move_penalty_per_order=0.0, move_penalty_per_unit=0.0))
    o = order("o", ("A", 2))
    data = replanning(net, [o], [order_plan(net, o, [ship(W2, _1=2)], {(W2, "1"): 2})])
    solution = solve_order(data.network, o, Ledger.fresh(net))
    assert [(c.node, dict(c.units)) for c in solution.chosen] == [(W2, {"1": 2})]


def test_a_shipment_of_locked_units_only_is_not_split_guarded(monkeypatch):
    """min_shipment_value 15: W2 keeps a locked A (value 10) while B (fenced at W2) moves to
    W1; without the exemption B would have to stay unfilled. Enumeration and MIP agree."""
    settings = PENALTIES.model_copy(update={"min_shipment_value": 15.0})
    net = small_network(settings)
    o = order("o", ("A", 1), ("B", 1))
    current = [order_plan(net, o, [ship(W2, _1=1, _2=1)], {(W2, "1"): 1})]
    data = replanning(net, [o], current, fences=[("W2", "B")])
    for limit in (4096, 0):
        monkeypatch.setattr("solver.order_current.ENUMERATION_LIMIT", limit)
        solution = solve_order(data.network, o, Ledger.fresh(net))
        by_node = {c.node: dict(c.units) for c in solution.chosen}
        assert by_node == {W2: {"1": 1}, W1: {"2": 1}}, limit
    plan = plan_dataset(data, "myopic")
    assert check_plan(data, plan).ok


# ------------------------------------------------------------------------ pickup orders


def test_a_pickup_order_is_never_handed_over_at_another_store():
    """S1 closes: its pickup order cannot go to S2; its unit stays unfilled."""
    net = small_network(S1={"active": False})
    o = order("p", ("A", 1), service="pickup", pickup_node="S1")
    before = small_network()
    data = replanning(net, [o], [order_plan(before, o, [ship(S1, PICKUP, _1=1)])])
    solution = solve_order(data.network, o, Ledger.fresh(net))
    assert solution.chosen == ()


def test_a_locked_pickup_stays_at_its_store_even_when_it_closes():
    net = small_network(S1={"active": False})
    o = order("p", ("A", 2), service="pickup", pickup_node="S1")
    before = small_network()
    current = [order_plan(before, o, [ship(S1, PICKUP, _1=1), ship(W1, TRANSFER, _1=1)],
                          {(S1, "1"): 1})]  # fmt: skip
    data = replanning(net, [o], current)
    plan = plan_dataset(data, "optimal", Deadline(10))
    assert [(s.node_id, s.method) for s in plan.orders[0].shipments] == [("S1", "pickup")]
    assert check_plan(data, plan).ok


# ------------------------------------------------------------------------ fences


def test_nothing_beyond_the_locks_is_taken_from_a_fenced_node_and_sku():
    """(W1, A) is fenced: o1's unlocked A at W1 moves, its locked A stays; the new order o2
    takes no A from W1 although W1 is the cheapest."""
    net = small_network()
    o1, o2 = order("o1", ("A", 3)), order("o2", ("A", 1))
    current = [order_plan(net, o1, [ship(W1, _1=3)], {(W1, "1"): 1})]
    data = replanning(net, [o1, o2], current, fences=[("W1", "A")])
    for strategy in ("myopic", "optimal"):
        plan = plan_dataset(data, strategy, Deadline(10))
        assert check_plan(data, plan).ok, strategy
        taken = {
            (p.order_id, s.node_id): sum(pl.qty for pl in s.lines)
            for p in plan.orders
            for s in p.shipments
        }
        assert taken.get(("o1", "W1")) == 1, strategy
        assert ("o2", "W1") not in taken, strategy


# ------------------------------------------------------------------------ stock and capacity


def test_what_the_current_allocation_holds_is_available_to_the_re_plan():
    """W1 has exactly o1's two units and one shipment a day, all held by o1: released and
    taken again, o1 stays (were they counted as taken, o1 would have to move)."""
    nodes = [n.model_copy(update={"max_orders_per_day": 1, "max_units_per_day": 2})
             if n.node_id == "W1" else n for n in NODES]  # fmt: skip
    stock = [StockRow(node_id="W1", sku="A", on_hand=2), StockRow(node_id="W2", sku="A", on_hand=9)]
    net = network(nodes, SKUS, stock, PENALTIES)
    o1 = order("o1", ("A", 2))
    data = replanning(net, [o1], [order_plan(net, o1, [ship(W1, _1=2)])])
    for strategy in ("myopic", "optimal"):
        plan = plan_dataset(data, strategy, Deadline(10))
        assert plan.orders[0].moved_units == 0, strategy
        assert [s.node_id for s in plan.orders[0].shipments] == ["W1"], strategy


def test_limits_apply_to_the_re_plan_as_a_whole():
    """W1 sends one shipment a day; o1 holds it and o2 (new) wants it too: one of them only."""
    nodes = [n.model_copy(update={"max_orders_per_day": 1}) if n.node_id == "W1" else n
             for n in NODES]  # fmt: skip
    net = network(nodes, SKUS, [StockRow(node_id=n, sku="A", on_hand=5) for n in ("W1", "W2")],
                  PENALTIES)  # fmt: skip
    o1, o2 = order("o1", ("A", 1)), order("o2", ("A", 2))
    data = replanning(net, [o1, o2], [order_plan(net, o1, [ship(W1, _1=1)])])
    for strategy in ("myopic", "optimal"):
        plan = plan_dataset(data, strategy, Deadline(10))
        result = check_plan(data, plan)
        assert result.ok, (strategy, result.violations)
        assert sum(s.node_id == "W1" for p in plan.orders for s in p.shipments) == 1


@pytest.mark.parametrize("strategy", ["nearest", "priority"])
def test_the_rules_do_not_re_plan(strategy):
    net = small_network()
    o = order("o", ("A", 1))
    data = replanning(net, [o], [order_plan(net, o, [ship(W1, _1=1)])])
    with pytest.raises(ValueError, match="cannot re-plan"):
        plan_dataset(data, strategy)


def test_a_dataset_without_current_allocation_plans_as_before():
    net = small_network()
    o = order("o", ("A", 1))
    plan = plan_dataset(Dataset("small", net, (o,)), "myopic")
    assert plan.move_cost is None and plan.orders[0].moved_units is None
    assert plan.orders[0].breakdown.move is None


def test_no_order_stays_moved_where_going_back_alone_pays():
    """o1 was moved from W1 to W2 (dearer, and the move is paid): put back; o2 had to move (B
    is fenced at W1): it stays moved, to its best node."""
    from solver.resourcing import moves_that_pay

    net = small_network()
    o1, o2 = order("o1", ("A", 1)), order("o2", ("B", 1))
    current = [order_plan(net, o, [ship(W1, _1=1)]) for o in (o1, o2)]
    data = replanning(net, [o1, o2], current, fences=[("W1", "B")])
    decisions = [(ship(W2, _1=1),), (ship(W2, _1=1),)]
    settled = moves_that_pay(data.network, data.orders, [0, 1], decisions)
    assert settled[0] == (ship(W1, _1=1),)
    assert [c.node for c in settled[1]] != [W1]
    before = sum(
        price_order(data.network, o, d).breakdown.total for o, d in zip(data.orders, decisions)
    )
    after = sum(
        price_order(data.network, o, d).breakdown.total for o, d in zip(data.orders, settled)
    )
    assert after < before
