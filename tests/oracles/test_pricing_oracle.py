"""`solver.pricing` agrees with the spec's table and costs, re-read by `oracles.spec`.

For random worlds and orders: which (method, service) each node may use for the order (§3's
"allowed when" column), and the price of random shipments and whole order plans (§3, §4: carrier,
handling, dropship fee, eta, billable weight, split, late and unfilled penalties).
"""

from __future__ import annotations

import pytest

from solver.models import Customer, Order, OrderLine, StockRow
from solver.pricing import ChosenShipment, haversine_km, method_key, order_methods, price_order
from tests.oracles.sampling import oracle_property
from tests.oracles.spec import CENT, METHODS, SpecPricer, World, distance_km
from tests.oracles.worlds import (
    Draw,
    HypothesisDraw,
    RandomDraw,
    draw_order,
    draw_world,
    plain_node,
)


def draw_shipments(
    draw: Draw, world: World, order: Order, allowed_only: bool = True
) -> list[tuple[str, str, str, dict[str, int]]]:
    """Random shipments of `order` from distinct nodes: (node, method, service, units per
    line), with at most each line's qty over them all (mostly within each node's stock, not
    counting other shipments); kits whole. Methods drawn among the allowed ones (or any, with
    `allowed_only=False`)."""
    pricer = SpecPricer(world)
    left = {line.line_id: line.qty for line in order.lines}
    kits: dict[str, list[str]] = {}
    for line in order.lines:
        if line.group:
            kits.setdefault(line.group, []).append(line.line_id)
    nodes = [n.node_id for n in world.nodes]
    within_stock = draw.chance(70)
    shipments = []
    for _ in range(draw.integer(0, min(3, len(nodes)))):
        node_id = draw.pick(nodes)
        nodes.remove(node_id)
        methods = [
            m for m in METHODS if not allowed_only or pricer.terms(order, node_id, *m) is not None
        ]
        if not methods:
            continue
        units: dict[str, int] = {}
        for line in order.lines:
            most = left[line.line_id]
            if within_stock:
                most = min(most, pricer.available[node_id, line.sku])
            if not line.group and most and draw.chance(70):
                units[line.line_id] = draw.integer(1, most)
        for members in kits.values():
            if all(left[m] for m in members) and draw.chance(40):
                units.update({m: left[m] for m in members})
        if not units:
            continue
        for lid, q in units.items():
            left[lid] -= q
        method, service = draw.pick(methods)
        shipments.append((node_id, method, service, units))
    return shipments


def chosen(world: World, shipment: tuple[str, str, str, dict[str, int]]) -> ChosenShipment:
    node_id, method, service, units = shipment
    key = method_key(method, service)
    assert key is not None
    return ChosenShipment(world.network.node_index[node_id], key, units)


def assert_allowed_methods_agree(world: World, order: Order) -> None:
    pricer = SpecPricer(world)
    methods = order_methods(world.network, order)
    for node in world.nodes:
        n = world.network.node_index[node.node_id]
        for method, service in METHODS:
            key = method_key(method, service)
            assert key is not None
            terms = pricer.terms(order, node.node_id, method, service)
            where = f"{node.node_id} {method}/{service} for a {order.service} order"
            assert methods.allowed(key, n) == (terms is not None), where
            if terms is not None:
                assert int(methods.eta[key, n]) == terms[0], where


def assert_prices_agree(world: World, order: Order, shipments: list) -> None:
    pricer = SpecPricer(world)
    plan = price_order(world.network, order, [chosen(world, s) for s in shipments])
    expected = [pricer.price(order, *s) for s in shipments]
    assert all(e is not None for e in expected), "draw_shipments drew a method with no rate"
    by_node = {e.node_id: e for e in expected if e is not None}
    assert sorted(s.node_id for s in plan.shipments) == sorted(by_node)
    for got in plan.shipments:
        want = by_node[got.node_id]
        assert (got.method, got.service) == (want.method, want.service)
        assert got.billable_kg == want.billable_kg
        assert got.eta_days == want.eta
        assert got.carrier_cost == pytest.approx(want.carrier, abs=1e-9)
        assert got.handling_cost == pytest.approx(want.handling, abs=1e-9)
        assert got.dropship_fee == pytest.approx(want.dropship, abs=1e-9)
        assert {pl.line_id: pl.qty for pl in got.lines} == want.units
    cost = pricer.order_cost(order, [e for e in expected if e is not None])
    assert plan.breakdown is not None
    for part in ("carrier", "handling", "dropship", "split", "late", "unfilled"):
        assert getattr(plan.breakdown, part) == pytest.approx(getattr(cost, part), abs=1e-9), part
    assert abs(plan.cost - cost.total) <= CENT + 1e-9
    assert plan.cost == round(plan.cost, 2), "an order's cost is stated in cents (§6)"
    shipped = {lid: 0 for lid in (line.line_id for line in order.lines)}
    for s in shipments:
        for lid, q in s[3].items():
            shipped[lid] += q
    assert {u.line_id: u.qty for u in plan.unfilled} == {
        line.line_id: line.qty - shipped[line.line_id]
        for line in order.lines
        if line.qty > shipped[line.line_id]
    }


def priceable(world: World, order: Order, shipments: list) -> list:
    """The shipments that have a rate for their weight (a method can be allowed, yet have no
    rate for a heavy shipment: that is the checker's `no_rate`, tested there)."""
    pricer = SpecPricer(world)
    return [s for s in shipments if pricer.price(order, *s) is not None]


@oracle_property(in_ci=150)
def test_every_node_may_use_exactly_the_methods_of_the_spec_table(data) -> None:
    draw = HypothesisDraw(data)
    world = draw_world(draw)
    assert_allowed_methods_agree(world, draw_order(draw, world))


@oracle_property(in_ci=150)
def test_random_shipments_cost_what_the_spec_says(data) -> None:
    draw = HypothesisDraw(data)
    world = draw_world(draw)
    order = draw_order(draw, world)
    shipments = priceable(world, order, draw_shipments(draw, world, order))
    assert_prices_agree(world, order, shipments)


@pytest.mark.parametrize("seed", range(120))
def test_pricing_agrees_with_the_spec_on_a_fixed_sample(seed: int) -> None:
    """The calibrated sample of `test_paths.py`, every node and method, several shipments."""
    draw = RandomDraw(seed)
    world = draw_world(draw)
    order = draw_order(draw, world)
    assert_allowed_methods_agree(world, order)
    for _ in range(3):
        assert_prices_agree(
            world, order, priceable(world, order, draw_shipments(draw, world, order))
        )


def test_every_vendor_shipment_pays_its_own_dropship_fee() -> None:
    """Two vendors each ship one unit: two fees (§3: the fee is per shipment), 3.00 + 1.50."""
    draw = RandomDraw(0)
    world = draw_world(draw)
    vendor = plain_node("V1", "vendor", processing_days=1, dropship_fee=3.0)
    nodes = (vendor, vendor.model_copy(update={"node_id": "V2", "dropship_fee": 1.5}))
    world = World(
        nodes,
        world.skus[:1],
        tuple(StockRow(node_id=n.node_id, sku=world.skus[0].sku, on_hand=1) for n in nodes),
        world.zones,
        world.rates,
        world.transits,
        world.settings,
    )
    order = Order(
        order_id="o",
        customer=Customer(lat=40.01, lon=-74.0),
        service="ground",
        lines=(OrderLine(line_id="1", sku=world.skus[0].sku, qty=2),),
    )
    shipments = [("V1", "parcel", "ground", {"1": 1}), ("V2", "parcel", "ground", {"1": 1})]
    plan = price_order(world.network, order, [chosen(world, s) for s in shipments])
    assert plan.breakdown is not None and plan.breakdown.dropship == pytest.approx(4.5)
    assert_prices_agree(world, order, shipments)


@pytest.mark.parametrize(
    "points",
    [
        (40.75, -73.99, 34.05, -118.24),
        (40.0, -74.0, 40.0, -74.0),
        (8.0, 0.0, -8.0, 179.9999999),  # float noise takes the haversine term a hair above 1
        (-82.0, 10.0, 82.0, -169.9999999),
        (2.5, 0.0, -2.5, 180.0),  # exact antipodes: the term is 1 + 2.2e-16 here
    ],
)
def test_distances_are_the_spec_haversine_even_between_antipodes(points) -> None:
    assert float(haversine_km(*points)) == pytest.approx(distance_km(*points), rel=1e-12)
