"""The checker reports exactly the rules the spec says a plan breaks, and recomputes its costs.

Random plans (random nodes, methods and contents, so most break something; stated numbers
priced by the spec oracle, then one of them sometimes tampered with) are judged twice: by
`solver.checker.check_plan` and by `oracles.spec.judge_plan`, written from the spec. The two
must name the same (rule, order) pairs and the same cost for every order that can be priced.
"""

from __future__ import annotations

import math

import pytest

from solver.checker import check_plan
from solver.models import CostBreakdown, Order, OrderPlan, Plan, PlanLine, Shipment
from tests.oracles.sampling import oracle_property
from tests.oracles.spec import SpecPricer, World, judge_plan
from tests.oracles.test_pricing_oracle import draw_shipments
from tests.oracles.worlds import (
    LOOSE,
    Draw,
    HypothesisDraw,
    RandomDraw,
    Shape,
    draw_order,
    draw_world,
)

TAMPERING = (
    "carrier",
    "handling",
    "dropship",
    "eta",
    "kg",
    "order_cost",
    "rounding",
    "rounding",
    "breakdown",
    "total",
    "bound",
    "unfilled",
    "overship",
    "kit",
    "kit",
    "same_node",
    "same_node",
)


def stated_shipment(
    pricer: SpecPricer, order: Order, node_id: str, method: str, service: str, units: dict
) -> Shipment:
    """A shipment as a plan states it, with the spec's numbers where the spec defines them."""
    node = pricer.node[node_id]
    priced = pricer.price(order, node_id, method, service, units)
    terms = pricer.terms(order, node_id, method, service)
    sku_of = pricer.line_sku(order)
    return Shipment(
        node_id=node_id,
        method=method,
        service=service,
        eta_days=terms[0] if terms is not None else 0,
        lines=tuple(PlanLine(line_id=lid, sku=sku_of[lid], qty=q) for lid, q in units.items()),
        billable_kg=pricer.billable_kg(order, units),
        carrier_cost=priced.carrier if priced is not None else 0.0,
        handling_cost=node.handling_per_order + node.handling_per_unit * sum(units.values()),
        dropship_fee=node.dropship_fee,
    )


def stated_order(pricer: SpecPricer, order: Order, shipments: list[Shipment]) -> OrderPlan:
    shipped = {line.line_id: 0 for line in order.lines}
    for s in shipments:
        for pl in s.lines:
            shipped[pl.line_id] += pl.qty
    unfilled = tuple(
        PlanLine(line_id=line.line_id, sku=line.sku, qty=line.qty - shipped[line.line_id])
        for line in order.lines
        if line.qty > shipped[line.line_id]
    )
    priced = [
        pricer.price(order, s.node_id, s.method, s.service, {pl.line_id: pl.qty for pl in s.lines})
        for s in shipments
    ]
    if any(p is None for p in priced):
        return OrderPlan(
            order_id=order.order_id, cost=0.0, shipments=tuple(shipments), unfilled=unfilled
        )
    cost = pricer.order_cost(order, [p for p in priced if p is not None])
    return OrderPlan(
        order_id=order.order_id,
        cost=round(cost.total, 2),
        shipments=tuple(shipments),
        unfilled=unfilled,
        breakdown=CostBreakdown(
            carrier=cost.carrier,
            handling=cost.handling,
            dropship=cost.dropship,
            split=cost.split,
            late=cost.late,
            unfilled=cost.unfilled,
        ),
    )


def draw_plan(draw: Draw, world: World, orders: list[Order]) -> Plan:
    """A random plan of `orders`, numbers as the spec prices them, sometimes one tampered."""
    pricer = SpecPricer(world)
    order_plans = []
    for order in orders:
        shipments = [
            stated_shipment(pricer, order, *s)
            for s in draw_shipments(draw, world, order, allowed_only=draw.chance(60))
        ]
        order_plans.append(stated_order(pricer, order, shipments))
    plan = Plan(
        dataset="oracle",
        strategy="random",
        total_cost=round(sum(p.cost for p in order_plans), 2),
        orders=tuple(order_plans),
    )
    if draw.chance(50):
        plan = tamper(draw, plan, orders)
    return plan


def _bump(value: float, draw: Draw) -> float:
    return value + draw.pick([-1, 1]) * draw.pick([0.01, 0.02, 0.5, 3.0])


def tamper(draw: Draw, plan: Plan, orders: list[Order]) -> Plan:
    """Change one stated number or decision of the plan."""
    what = draw.pick(TAMPERING)
    if what == "total":
        return plan.model_copy(update={"total_cost": _bump(plan.total_cost, draw)})
    if what == "bound":
        return plan.model_copy(
            update={"bound": plan.total_cost + draw.pick([-1.0, 0.001, 0.02, 5.0])}
        )
    i = draw.integer(0, len(plan.orders) - 1)
    if what in ("same_node", "kit"):  # the order that can show it best
        i = max(range(len(orders)), key=lambda k: _fit(what, orders[k], plan.orders[k]))
    order_plan, order = plan.orders[i], orders[i]
    if what == "order_cost":
        order_plan = order_plan.model_copy(update={"cost": _bump(order_plan.cost, draw)})
    elif what == "rounding" and order_plan.breakdown is not None:
        # Rounded down or up to the cent instead of to the nearest: agrees to the cent only
        # when the exact cost is a half cent (or a whole one).
        exact = order_plan.breakdown.total * 100
        cents = math.floor(exact + 1e-9) if draw.chance(50) else math.ceil(exact - 1e-9)
        order_plan = order_plan.model_copy(update={"cost": cents / 100})
    elif what == "breakdown" and order_plan.breakdown is not None:
        part = draw.pick(["carrier", "handling", "dropship", "split", "late", "unfilled"])
        bumped = _bump(getattr(order_plan.breakdown, part), draw)
        order_plan = order_plan.model_copy(
            update={"breakdown": order_plan.breakdown.model_copy(update={part: bumped})}
        )
    elif what == "unfilled":
        line = draw.pick(order.lines)
        extra = PlanLine(line_id=line.line_id, sku=line.sku, qty=draw.integer(1, 2))
        kept = tuple(u for u in order_plan.unfilled if u.line_id != line.line_id)
        order_plan = order_plan.model_copy(update={"unfilled": (*kept, extra)})
    elif order_plan.shipments:
        j = draw.integer(0, len(order_plan.shipments) - 1)
        kit_lines = {line.line_id for line in order.lines if line.group}
        carrying_kit = [
            k
            for k, s in enumerate(order_plan.shipments)
            if kit_lines & {pl.line_id for pl in s.lines}
        ]
        if what == "kit" and carrying_kit:
            j = draw.pick(carrying_kit)
        shipment = order_plan.shipments[j]
        shipment = _tamper_shipment(draw, what, shipment, order, order_plan)
        shipments = list(order_plan.shipments)
        shipments[j] = shipment
        if what == "same_node" and len(shipments) > 1:
            k = (j + 1) % len(shipments)
            shipments[k] = shipments[k].model_copy(update={"node_id": shipment.node_id})
        order_plan = order_plan.model_copy(update={"shipments": tuple(shipments)})
    orders_list = list(plan.orders)
    orders_list[i] = order_plan
    return plan.model_copy(update={"orders": tuple(orders_list)})


def _fit(what: str, order: Order, order_plan: OrderPlan) -> int:
    if what == "kit":
        kit_lines = {line.line_id for line in order.lines if line.group}
        return sum(bool(kit_lines & {pl.line_id for pl in s.lines}) for s in order_plan.shipments)
    return len(order_plan.shipments)


def _tamper_shipment(
    draw: Draw, what: str, shipment: Shipment, order: Order, order_plan: OrderPlan
) -> Shipment:
    if what == "carrier":
        return shipment.model_copy(update={"carrier_cost": _bump(shipment.carrier_cost, draw)})
    if what == "handling":
        return shipment.model_copy(update={"handling_cost": _bump(shipment.handling_cost, draw)})
    if what == "dropship":
        return shipment.model_copy(update={"dropship_fee": _bump(shipment.dropship_fee, draw)})
    if what == "eta":
        return shipment.model_copy(update={"eta_days": shipment.eta_days + draw.pick([-1, 1])})
    if what == "kg":
        return shipment.model_copy(update={"billable_kg": shipment.billable_kg + 1})
    if what in ("overship", "kit"):
        # One unit more of one of its lines; for a kit, a member line one unit short or left out.
        lines = list(shipment.lines)
        k = draw.integer(0, len(lines) - 1)
        if what == "kit" and lines[k].qty > 1:
            lines[k] = lines[k].model_copy(update={"qty": lines[k].qty - 1})
        elif what == "kit" and len(lines) > 1:
            del lines[k]
        else:
            lines[k] = lines[k].model_copy(update={"qty": lines[k].qty + 1})
        return shipment.model_copy(update={"lines": tuple(lines)})
    return shipment


def assert_checker_agrees(world: World, orders: list[Order], plan: Plan) -> None:
    report = check_plan(world.dataset(orders), plan)
    judgement = judge_plan(world, orders, plan)
    found = {(v.rule, v.order_id) for v in report.violations}
    assert found == judgement.broken, (
        f"checker only: {found - judgement.broken}; spec only: {judgement.broken - found}"
    )
    for order_id, cost in judgement.order_costs.items():
        assert report.recomputed_orders[order_id] == pytest.approx(cost, abs=1e-6), order_id


def draw_case(draw: Draw, shape: Shape = LOOSE) -> tuple[World, list[Order], Plan]:
    world = draw_world(draw, shape)
    orders = [
        draw_order(draw, world, f"o-{i}", lines=(1, 3), qty=(1, 3))
        for i in range(draw.integer(1, 4))
    ]
    return world, orders, draw_plan(draw, world, orders)


@oracle_property(in_ci=200)
def test_the_checker_reports_the_rules_the_spec_says_a_plan_breaks(data) -> None:
    draw = HypothesisDraw(data)
    assert_checker_agrees(*draw_case(draw, Shape(tight_capacity=draw.chance(50))))


@pytest.mark.parametrize("tight", [False, True])
def test_the_checker_agrees_with_the_spec_on_a_fixed_sample(tight: bool) -> None:
    for seed in range(200):
        assert_checker_agrees(*draw_case(RandomDraw(seed), Shape(tight_capacity=tight)))
