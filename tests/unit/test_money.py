"""Money in answers is in whole cents and the parts add up (issue 12, finding 9):
`solver.pricing.to_cents` on plans priced by `price_order` for random orders and networks."""

from __future__ import annotations

import math
import random

import pytest

from solver.ledger import Ledger
from solver.models import CostBreakdown, OrderPlan, PlanLine, Shipment
from solver.order_solver import solve_order
from solver.pricing import price_order, to_cents
from tests.factories import random_network, random_order
from tests.unit import replan_fixtures as replan


def _cents(value: float) -> int:
    assert value == round(value, 2), f"{value!r} is not whole cents"  # as JSON prints it
    return round(value * 100)


def _assert_in_cents_and_summing(raw: OrderPlan, shown: OrderPlan) -> None:
    assert raw.breakdown is not None and shown.breakdown is not None
    parts = {k: v for k, v in shown.breakdown.model_dump().items() if v is not None}  # move: §7
    assert _cents(shown.cost) == sum(_cents(v) for v in parts.values())
    assert shown.cost == raw.cost  # the order's cost is the priced total to the cent, as before
    for name, value in parts.items():
        assert abs(value - getattr(raw.breakdown, name)) < 0.01 + 1e-9, name
    for field, part in (("carrier_cost", "carrier"), ("handling_cost", "handling")):
        assert sum(_cents(getattr(s, field)) for s in shown.shipments) == _cents(parts[part])
    assert sum(_cents(s.dropship_fee) for s in shown.shipments) == _cents(parts["dropship"])
    for before, after in zip(raw.shipments, shown.shipments, strict=True):
        for field in ("carrier_cost", "handling_cost", "dropship_fee"):
            assert abs(getattr(after, field) - getattr(before, field)) < 0.01 + 1e-9
        assert (
            after.model_copy(
                update={
                    f: getattr(before, f) for f in ("carrier_cost", "handling_cost", "dropship_fee")
                }
            )
            == before
        )  # nothing else changes


@pytest.mark.parametrize("seed", range(40))
def test_every_amount_is_whole_cents_and_the_parts_add_up_to_the_cost(seed: int) -> None:
    rng = random.Random(seed)
    network = random_network(rng, n_nodes=6, n_skus=4, courier_per_km=0.937)
    for i in range(5):
        order = random_order(rng, network, f"o-{i}")
        chosen = solve_order(network, order, Ledger.fresh(network)).chosen
        raw = price_order(network, order, chosen)
        if raw.breakdown is None or not math.isfinite(raw.breakdown.total):
            continue
        _assert_in_cents_and_summing(raw, to_cents(raw))


def _shipment(node_id: str, carrier: float, handling: float) -> Shipment:
    line = PlanLine(line_id="1", sku="K", qty=1)
    return Shipment(
        node_id=node_id,
        method="same_day",
        service="same_day",
        eta_days=0,
        lines=(line,),
        billable_kg=1,
        carrier_cost=carrier,
        handling_cost=handling,
    )


def test_the_issues_amounts_are_rounded_so_they_add_up() -> None:
    """The issue's answer: carrier 22.01666285909355 and handling 5.2700000000000005."""
    shipments = tuple(
        _shipment(node, carrier, handling)
        for node, carrier, handling in (
            ("A", 11.00833142954677, 2.635),
            ("B", 11.00833142954678, 2.6350000000000005),
        )
    )
    breakdown = CostBreakdown(carrier=22.01666285909355, handling=5.2700000000000005, split=4.0)
    raw = OrderPlan(
        order_id="o", cost=round(breakdown.total, 2), shipments=shipments, breakdown=breakdown
    )
    shown = to_cents(raw)
    assert shown.cost == 31.29
    assert shown.breakdown == CostBreakdown(carrier=22.02, handling=5.27, split=4.0)
    assert sorted(s.carrier_cost for s in shown.shipments) == [11.01, 11.01]
    assert sum(_cents(s.handling_cost) for s in shown.shipments) == 527
    _assert_in_cents_and_summing(raw, shown)


def test_cents_left_over_go_to_the_largest_remainders() -> None:
    """Three shipments of 1/3 each: 1.00 shown as 0.34 + 0.33 + 0.33, never 0.33 × 3."""
    shipments = tuple(_shipment(n, 1 / 3, 0.0) for n in "ABC")
    breakdown = CostBreakdown(carrier=1.0)
    shown = to_cents(OrderPlan(order_id="o", cost=1.0, shipments=shipments, breakdown=breakdown))
    assert [s.carrier_cost for s in shown.shipments] == [0.34, 0.33, 0.33]


def test_a_plan_with_no_price_or_an_amount_that_is_not_finite_comes_back_as_it_is() -> None:
    shipments = (_shipment("A", math.inf, 2.0),)
    unpriced = OrderPlan(order_id="o", cost=0.0, shipments=shipments)
    assert to_cents(unpriced) is unpriced
    no_rate = OrderPlan(
        order_id="o",
        cost=math.inf,
        shipments=shipments,
        breakdown=CostBreakdown(carrier=math.inf, handling=2.0),
    )
    assert to_cents(no_rate) is no_rate


def test_a_re_plans_move_penalty_is_a_part_of_its_own_in_cents() -> None:
    """Spec §7: o moves two units of A from W1 to W2 (3.00 + 2 × 0.50 = 4.00 move penalty)."""
    net = replan.small_network()
    o = replan.order("o", ("A", 2), ("B", 1))
    held = [replan.order_plan(net, o, [replan.ship(replan.W1, _1=2, _2=1)])]
    current = replan.allocation(net, [o], held)
    moved = [replan.ship(replan.W2, _1=2), replan.ship(replan.W1, _2=1)]
    raw = price_order(net.with_current(current), o, moved)
    assert raw.breakdown is not None and raw.breakdown.move == 4.0
    shown = to_cents(raw)
    assert shown.breakdown is not None and shown.breakdown.move == 4.0
    _assert_in_cents_and_summing(raw, shown)


def test_a_cost_given_to_more_than_the_cent_comes_back_rounded_to_it() -> None:
    """`to_cents` rounds the order's cost too: 12.3456 is shown as 12.35, the parts' sum."""
    breakdown = CostBreakdown(carrier=10.3456, handling=2.0)
    raw = OrderPlan(
        order_id="o",
        cost=breakdown.total,
        shipments=(_shipment("A", 10.3456, 2.0),),
        breakdown=breakdown,
    )
    shown = to_cents(raw)
    assert shown.cost == 12.35
    assert shown.breakdown == CostBreakdown(carrier=10.35, handling=2.0)
