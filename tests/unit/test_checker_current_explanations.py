"""What the checker tells a planner about a re-plan (spec §7): the exact explanation of each
broken rule, and the locked shipments it must let through.

The re-plan (network of `replan_fixtures`: W1 55.6 km from the customer, W2 222.4 km, the
stores S1 11.1 km and S2 33.4 km; move penalties 3.00 an order and 0.50 a unit):

- p1 holds lines 1 (B), 2 (2 A) and 3 (A) at W1, line 4 (B) at W2; at W1 one unit of line 2
  and line 3 are locked. (W1, A) and (W1, B) are fenced: beyond its locks, p1 takes nothing
  more from W1.
- p2 holds one A at W2; p3 is picked up at S1; n1 is new (it holds nothing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from solver.checker import CheckResult, check_plan
from solver.models import OrderPlan, Plan
from solver.network import Dataset
from solver.pricing import EXPRESS, PICKUP, SAME_DAY, ChosenShipment, price_order
from tests.unit.replan_fixtures import (
    PENALTIES,
    S1,
    S2,
    W1,
    W2,
    as_plan,
    order,
    order_plan,
    replanning,
    ship,
    small_network,
)

NET = small_network()
P1 = order("p1", ("B", 1), ("A", 2), ("A", 1), ("B", 1))
P2 = order("p2", ("A", 1))
P3 = order("p3", ("A", 1), service="pickup", pickup_node="S1")
N1 = order("n1", ("A", 1))
ORDERS = (P1, P2, P3, N1)
CURRENT = [
    order_plan(NET, P1, [ship(W1, _1=1, _2=2, _3=1), ship(W2, _4=1)], {(W1, "2"): 1, (W1, "3"): 1}),
    order_plan(NET, P2, [ship(W2, _1=1)]),
    order_plan(NET, P3, [ship(S1, PICKUP, _1=1)]),
    OrderPlan(order_id="n1", cost=0.0),
]
DATA = replanning(NET, ORDERS, CURRENT, fences=[("W1", "A"), ("W1", "B")])
GOOD = {
    # p1 keeps exactly its locked units at W1; lines 1 and the other unit of line 2 move to S2.
    "p1": [ship(W1, _2=1, _3=1), ship(S2, _1=1, _2=1), ship(W2, _4=1)],
    "p2": [ship(W2, _1=1)],
    "p3": [ship(S1, PICKUP, _1=1)],
    "n1": [ship(S2, _1=1)],
}


def replan(data: Dataset = DATA, **changed: Sequence[ChosenShipment]) -> list[OrderPlan]:
    decisions = {**GOOD, **changed}
    return [price_order(data.network, o, decisions[o.order_id]) for o in data.orders]


def check(plans: Sequence[OrderPlan], data: Dataset = DATA, **plan_fields: object) -> CheckResult:
    plan = as_plan(data, plans).model_copy(update=plan_fields)
    return check_plan(data, plan)


PLAN_WIDE = {"stock", "orders_capacity", "units_capacity", "same_day_capacity", "wrong_total"}
PLAN_WIDE |= {"bound", "wrong_move_cost", "no_current"}


def messages(result: CheckResult, rule: str | None = None) -> list[str]:
    """The lines `omniroute check` prints; each order's violation is filed under that order."""
    for v in result.violations:
        assert v.order_id is None if v.rule in PLAN_WIDE else f"order {v.order_id} " in v.message
    return [str(v) for v in result.violations if rule is None or v.rule == rule]


def test_the_re_plan_that_keeps_its_locks_passes() -> None:
    plans = replan()
    # p1 moves line 1 and one unit of line 2 off W1: 2 units, 3.00 + 2 × 0.50 = 4.00.
    assert [p.moved_units for p in plans] == [2, 0, 0, 0]
    assert plans[0].breakdown is not None and plans[0].breakdown.move == pytest.approx(4.0)
    assert check(plans).ok, messages(check(plans))


def test_locked_units_with_no_shipment_at_their_node_are_named_line_by_line() -> None:
    result = check(replan(p1=[ship(W2, _1=1, _2=2, _3=1, _4=1)]))
    assert messages(result, "locked_moved") == [
        "[locked_moved] order p1 line 2: 1 locked unit(s) at W1 by parcel (ground); the plan "
        "has no shipment there (§7)",
        "[locked_moved] order p1 line 3: 1 locked unit(s) at W1 by parcel (ground); the plan "
        "has no shipment there (§7)",
    ]


def test_a_locked_line_its_node_no_longer_carries_is_named() -> None:
    result = check(replan(p1=[ship(W1, _3=1), ship(S2, _1=1, _2=2), ship(W2, _4=1)]))
    assert messages(result, "locked_moved") == [
        "[locked_moved] order p1 line 2: 1 locked unit(s) at W1 by parcel (ground); the plan "
        "has 0 there by parcel (ground) (§7)"
    ]


def test_locked_units_sent_by_another_method_name_both_methods() -> None:
    result = check(replan(p1=[ship(W1, EXPRESS, _2=1, _3=1), ship(S2, _1=1, _2=1), ship(W2, _4=1)]))
    assert messages(result, "locked_moved") == [
        "[locked_moved] order p1 line 2: 1 locked unit(s) at W1 by parcel (ground); the plan "
        "has 1 there by parcel (express) (§7)",
        "[locked_moved] order p1 line 3: 1 locked unit(s) at W1 by parcel (ground); the plan "
        "has 1 there by parcel (express) (§7)",
    ]


def test_units_beyond_the_locks_from_a_fence_are_counted_per_sku() -> None:
    # p1 takes 1 B (line 1, held there unlocked; line 4, held at W2) and 3 A (lines 2 and 3, 2
    # of them locked) from W1; p2, which holds nothing at W1, takes 1 A from it.
    result = check(replan(p1=[ship(W1, _1=1, _2=2, _3=1, _4=1)], p2=[ship(W1, _1=1)]))
    assert messages(result, "fenced") == [
        "[fenced] order p1 takes 2 unit(s) of B from W1 beyond its 0 locked; that (node, SKU) "
        "is fenced (§7)",
        "[fenced] order p1 takes 1 unit(s) of A from W1 beyond its 2 locked; that (node, SKU) "
        "is fenced (§7)",
        "[fenced] order p2 takes 1 unit(s) of A from W1 beyond its 0 locked; that (node, SKU) "
        "is fenced (§7)",
    ]


def test_a_stated_lock_the_current_allocation_lacks_is_named() -> None:
    plans = replan()
    p1, n1 = plans[0], plans[3]
    at_w1 = p1.shipments[1]
    assert at_w1.node_id == "W1" and at_w1.lines[0].locked == 1
    unlocked = at_w1.lines[0].model_copy(update={"locked": None})
    plans[0] = p1.model_copy(
        update={
            "shipments": (
                p1.shipments[0],
                at_w1.model_copy(update={"lines": (unlocked, *at_w1.lines[1:])}),
                *p1.shipments[2:],
            )
        }
    )
    claimed = n1.shipments[0].lines[0].model_copy(update={"locked": 1})
    plans[3] = n1.model_copy(
        update={"shipments": (n1.shipments[0].model_copy(update={"lines": (claimed,)}),)}
    )
    assert messages(check(plans)) == [
        "[wrong_locked] order p1 shipment from W1 line 2: locked 0, the current allocation "
        "locks 1 there (§7)",
        "[wrong_locked] order n1 shipment from S2 line 1: locked 1, the current allocation "
        "locks 0 there (§7)",
    ]


def test_a_pickup_at_another_store_names_both_stores() -> None:
    result = check(replan(p3=[ship(S2, PICKUP, _1=1)]))
    assert messages(result, "pickup_node_changed") == [
        "[pickup_node_changed] order p3 is handed over at S2; its pickup_node is S1 and never "
        "changes (§7)"
    ]


@pytest.mark.parametrize("stated", [0, 3])
def test_a_wrong_moved_units_count_says_both(stated: int) -> None:
    plans = replan()
    plans[0] = plans[0].model_copy(update={"moved_units": stated})
    assert messages(check(plans)) == [
        f"[wrong_moved_units] order p1 moved_units {stated}, recomputed 2 (§7)"
    ]


def with_move(plan: OrderPlan, move: float | None) -> OrderPlan:
    assert plan.breakdown is not None
    return plan.model_copy(update={"breakdown": plan.breakdown.model_copy(update={"move": move})})


def test_a_move_penalty_stated_wrong_or_left_out_is_named() -> None:
    plans = replan()
    plan = as_plan(DATA, plans)
    # p1 moves 2 units but states no penalty; p2 moves nothing but states one.
    plans[0], plans[1] = with_move(plans[0], None), with_move(plans[1], 1.0)
    assert messages(check_plan(DATA, plan.model_copy(update={"orders": tuple(plans)}))) == [
        "[wrong_cost] order p1 breakdown move 0.00, recomputed 4.00 (§4)",
        "[wrong_cost] order p2 breakdown move 1.00, recomputed 0.00 (§4)",
    ]


@pytest.mark.parametrize(("stated", "shown"), [(5.0, "5.00"), (None, "0.00")])
def test_a_wrong_move_cost_says_both(stated: float | None, shown: str) -> None:
    assert messages(check(replan(), move_cost=stated)) == [
        f"[wrong_move_cost] move_cost {shown} but the orders' move penalties recompute to 4.00 (§7)"
    ]


def test_an_order_that_cannot_be_priced_does_not_make_a_right_move_cost_wrong() -> None:
    # p2 moves its one A from W2 to S2 (3.00 + 0.50) but by same-day, which S2 has no courier
    # for: only that is wrong. The plan's move_cost, 4.00 + 3.50 = 7.50, is right.
    plans = replan(p2=[ship(S2, SAME_DAY, _1=1)])
    assert [p.moved_units for p in plans] == [2, 1, 0, 0]
    plan = as_plan(DATA, plans).model_copy(update={"total_cost": 60.0})
    assert plan.move_cost == pytest.approx(7.5)
    assert check_plan(DATA, plan).rules == {"method_not_allowed"}


def test_a_shipment_from_an_unknown_node_leaves_the_move_cost_unchecked() -> None:
    # Whether p2's unit at W2 moved cannot be told when its shipment names no known node, so
    # no stated move_cost can be called wrong.
    plans = replan()
    unknown = plans[1].shipments[0].model_copy(update={"node_id": "ZZ"})
    plans[1] = plans[1].model_copy(update={"shipments": (unknown,)})
    assert check(plans, move_cost=123.0).rules == {"unknown_node"}


def test_a_re_plan_without_its_current_allocation_says_so_and_checks_the_rest() -> None:
    plans = replan()
    plan = as_plan(DATA, plans)
    without = Dataset("small", NET, ORDERS)
    result = check_plan(without, plan)
    assert messages(result) == [
        "[no_current] the plan is a re-plan (move_cost 4.00); its move cost and order costs can "
        "only be checked with its current allocation (--current) (§7)"
    ]
    # Its order costs are checked without their move penalties, to the cent.
    plans[0] = plans[0].model_copy(update={"cost": plans[0].cost + 0.02})
    bumped = plan.model_copy(update={"orders": tuple(plans)})
    assert {v.rule for v in check_plan(without, bumped).violations} == {"no_current", "wrong_cost"}


# --- shipments of locked units only may leave a closed node ----------------------------------

SPLIT_GUARDED = small_network(
    PENALTIES.model_copy(update={"min_shipment_value": 15.0}), S1={"active": False}
)
Q1 = order("q1", ("A", 2), ("B", 1))
Q2 = order("q2", ("A", 1))
CLOSED = replanning(
    SPLIT_GUARDED,
    (Q1, Q2),
    [
        order_plan(small_network(), Q1, [ship(S1, _1=2), ship(W1, _2=1)], {(S1, "1"): 1}),
        order_plan(small_network(), Q2, [ship(S1, _1=1)]),
    ],
)


def closed_plan(q1: Sequence[ChosenShipment], q2: Sequence[ChosenShipment]) -> Plan:
    plans = [price_order(CLOSED.network, o, c) for o, c in ((Q1, q1), (Q2, q2))]
    return as_plan(CLOSED, plans)


def test_a_locked_shipment_from_a_closed_node_passes_and_is_not_split_guarded() -> None:
    # q1's locked A (10.00, under the 15.00 guard) leaves the closed S1; its other A and its B
    # (30.00) leave W1. The unit at S1 that is not locked would be a new decision there.
    plan = closed_plan([ship(S1, _1=1), ship(W1, _1=1, _2=1)], [ship(W1, _1=1)])
    assert check_plan(CLOSED, plan).ok, check_plan(CLOSED, plan).violations
    plan = closed_plan([ship(S1, _1=2), ship(W1, _2=1)], [ship(W1, _1=1)])
    assert messages(check_plan(CLOSED, plan)) == [
        "[inactive_node] order q1 shipment 0 from S1: node S1 is inactive (§5.4)"
    ]


def test_the_other_shipments_of_an_order_with_a_locked_one_are_still_split_guarded() -> None:
    plan = closed_plan([ship(S1, _1=1), ship(W1, _1=1), ship(W2, _2=1)], [ship(W1, _1=1)])
    assert messages(check_plan(CLOSED, plan), "split_guard") == [
        "[split_guard] order q1 shipment 1 from W1 carries 10.00 of unit value, under "
        "min_shipment_value 15.00 for a split order (§5.3)"
    ]


def test_a_closed_node_sending_more_than_the_locks_is_named() -> None:
    # Line 2 was never at S1: one unit of it there is a new decision, whatever the locks.
    plan = closed_plan([ship(S1, _1=1, _2=1), ship(W1, _1=1)], [ship(W1, _1=1)])
    assert "inactive_node" in check_plan(CLOSED, plan).rules
    # An empty shipment from S1, where q2 held an unlocked unit, is no locked shipment either.
    plan = closed_plan([ship(S1, _1=1), ship(W1, _1=1, _2=1)], [ship(S1), ship(W1, _1=1)])
    assert {"inactive_node", "empty_shipment"} <= check_plan(CLOSED, plan).rules


@pytest.mark.parametrize(
    ("now", "rule"),
    [({"active": False}, "inactive_node"), ({"channels": ("app",)}, "channel")],
)
def test_new_units_from_a_node_the_order_may_no_longer_use_are_not_priced(
    now: dict, rule: str
) -> None:
    # r1 (sold on the web) holds 2 A at S1, one locked. S1 now is closed, or sells on the app
    # only: its locked unit may still leave S1 (S1 keeps its methods for r1), a second may not,
    # and then the order's cost is not recomputed (nan), as for any shipment not allowed.
    r1 = order("r1", ("A", 2), channel="web")
    data = replanning(
        small_network(S1=now),
        (r1,),
        [order_plan(small_network(), r1, [ship(S1, _1=2)], {(S1, "1"): 1})],
    )
    locked_only = as_plan(data, [price_order(data.network, r1, [ship(S1, _1=1), ship(W1, _1=1)])])
    assert check_plan(data, locked_only).ok
    both = as_plan(data, [price_order(data.network, r1, [ship(S1, _1=2)])])
    result = check_plan(data, both.model_copy(update={"total_cost": 0.0}))
    assert result.rules == {rule}
    assert math.isnan(result.recomputed_orders["r1"]) and math.isnan(result.recomputed_total)
