"""Spec §7's move cost and the keep-everything identity, priced by `pricing.py` (the one place),
on the small network of tests/unit/replan_fixtures (handling 2.00 + 0.50 a unit; move penalties
3.00 an order and 0.50 a unit)."""

from __future__ import annotations

from pathlib import Path

from solver.checker import check_plan, chosen_shipment
from solver.loading import load_dataset
from solver.models import Settings
from solver.planning import plan_dataset
from solver.pricing import moved_units, price_order
from tests.unit.replan_fixtures import (
    PENALTIES,
    W1,
    W2,
    allocation,
    order,
    order_plan,
    replanning,
    ship,
    small_network,
)


def priced_against(current_chosen, new_chosen, locked=None, settings=PENALTIES):
    net = small_network(settings)
    o = order("o", ("A", 2), ("B", 1))
    current = allocation(net, [o], [order_plan(net, o, current_chosen, locked)])
    return price_order(net.with_current(current), o, new_chosen)


def test_units_taken_away_from_their_node_are_moved_and_priced():
    plan = priced_against([ship(W1, _1=2, _2=1)], [ship(W2, _1=2), ship(W1, _2=1)])
    assert plan.moved_units == 2
    assert plan.breakdown.move == 3.0 + 0.5 * 2
    assert plan.cost == round(plan.breakdown.total, 2)


def test_filling_a_backorder_is_never_a_move():
    plan = priced_against([ship(W1, _1=1)], [ship(W1, _1=2, _2=1)])
    assert plan.moved_units == 0
    assert plan.breakdown.move == 0.0


def test_locked_units_are_not_moved_units():
    plan = priced_against([ship(W1, _1=2)], [ship(W1, _1=1), ship(W2, _1=1)], locked={(W1, "1"): 1})
    assert plan.moved_units == 1
    assert plan.breakdown.move == 3.0 + 0.5
    assert [pl.locked for s in plan.shipments for pl in s.lines] == [1, None]


def test_leaving_held_units_unfilled_moves_them():
    plan = priced_against([ship(W1, _1=2)], [])
    assert plan.moved_units == 2
    assert plan.breakdown.move == 4.0


def test_a_method_changed_at_the_same_node_is_not_a_move():
    express = 1
    plan = priced_against([ship(W1, _1=2)], [ship(W1, express, _1=2)])
    assert plan.moved_units == 0


def test_penalties_come_from_settings():
    settings = Settings(move_penalty_per_order=10.0, move_penalty_per_unit=2.0)
    plan = priced_against([ship(W1, _1=2, _2=1)], [ship(W2, _1=2, _2=1)], settings=settings)
    assert plan.breakdown.move == 10.0 + 2.0 * 3


def test_default_penalties_are_those_of_the_spec():
    assert Settings().move_penalty_per_order == 3.0
    assert Settings().move_penalty_per_unit == 0.5


# ------------------------------------------------------------------------ keep-everything identity


def test_keeping_everything_costs_exactly_what_the_current_allocation_costs():
    """Every order keeps its current allocation: the re-plan's cost is the current one's, to
    the cent, order by order and in total (the demo's myopic plan as the current)."""
    demo = load_dataset(Path("examples/demo")).dataset
    assert demo is not None
    current_plan = plan_dataset(demo, "myopic")
    kept = replanning(demo.network, demo.orders, current_plan.orders)

    total = 0.0
    for o, before in zip(demo.orders, current_plan.orders, strict=True):
        chosen = [chosen_shipment(demo.network, o, s) for s in before.shipments]
        after = price_order(kept.network, o, chosen)
        assert after.moved_units == 0 and after.breakdown.move == 0.0
        assert after.cost == before.cost
        total += after.breakdown.total
    assert round(total, 2) == current_plan.total_cost
    replan = current_plan.model_copy(update={"move_cost": 0.0})
    assert check_plan(kept, replan).ok


def test_kpis_of_a_re_plan_count_its_moves():
    """o1 moves its unlocked A (one unit, 3.50); o2 fills its backordered B (never a move);
    o3, a new order, fills no backorder."""
    from solver.kpis import plan_kpis
    from tests.unit.replan_fixtures import as_plan

    net = small_network()
    o1, o2, o3 = order("o1", ("A", 2)), order("o2", ("B", 2)), order("o3", ("A", 1))
    current = [
        order_plan(net, o1, [ship(W1, _1=2)], {(W1, "1"): 1}),
        order_plan(net, o2, [ship(W1, _1=1)]),
    ]
    data = replanning(net, [o1, o2, o3], current)
    plans = [
        price_order(data.network, o1, [ship(W1, _1=1), ship(W2, _1=1)]),
        price_order(data.network, o2, [ship(W1, _1=2)]),
        price_order(data.network, o3, [ship(W1, _1=1)]),
    ]
    kpis = plan_kpis(data, as_plan(data, plans))
    assert (kpis.orders_moved, kpis.units_moved, kpis.locked_units) == (1, 1, 1)
    assert kpis.backorders_filled == 1
    assert kpis.move_cost == 3.5
    assert kpis.total_cost == sum(p.breakdown.total for p in plans)
    assert ("Orders moved", "1") in kpis.as_rows()
    from solver.network import Dataset

    plain = plan_kpis(Dataset("small", net, (o1, o2)), as_plan(Dataset("s", net, ()), current))
    assert plain.move_cost is None and plain.orders_moved is None


def test_units_a_plan_takes_from_a_node_count_over_all_its_shipments_from_there():
    """Two shipments from W1 (a plan the checker flags, whose moves it still counts): the two
    units held at W1 stay there, one by ground and one by express; nothing moved."""
    net = small_network()
    o = order("o", ("A", 2))
    current = allocation(net, [o], [order_plan(net, o, [ship(W1, _1=2)])])
    assert moved_units(current.of("o"), [ship(W1, 0, _1=1), ship(W1, 1, _1=1)]) == 0
    assert moved_units(current.of("o"), [ship(W1, 0, _1=1), ship(W2, 1, _1=1)]) == 1


def test_locked_units_a_plan_leaves_behind_are_still_not_moved_units():
    """Spec §7 excludes locked units from the count, even in a plan (which the checker rejects)
    that does not ship them: of W1's two units one is locked, so one moved."""
    net = small_network()
    o = order("o", ("A", 2))
    current = allocation(net, [o], [order_plan(net, o, [ship(W1, _1=2)], {(W1, "1"): 1})])
    assert moved_units(current.of("o"), [ship(W2, _1=2)]) == 1
    assert moved_units(current.of("o"), []) == 1


def test_an_order_priced_where_nothing_is_re_planned_has_no_move_part():
    net = small_network()
    plan = price_order(net, order("o", ("A", 2)), [ship(W2, _1=2)])
    assert plan.moved_units is None
    assert plan.breakdown is not None and plan.breakdown.move is None
