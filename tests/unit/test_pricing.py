"""Pricing (spec §3, §4) of every method against figures computed by hand.

The network: a customer at (0°, 0°) and nodes due north of them on the same meridian, so a
node at latitude φ is exactly φ × KM_PER_DEG km away (haversine along a meridian).
Zones (factories.ZONES): 1 ≤ 100 km, 2 ≤ 500 km, 3 open. Rates (factories.standard_rates):
`factor × (5 + 2·zone_index + 1.5·band_index)` for bands 1, 2, 5, 10 kg, factor 1 ground,
2 express, 3 next_day:

    ground    z1  5.0  6.5  8.0  9.5 | z2  7.0  8.5 10.0 11.5 | z3  9.0 10.5 12.0 13.5
    express   z1 10.0 13.0 16.0 19.0 | z2 14.0 17.0 20.0 23.0 | z3 18.0 21.0 24.0 27.0
    next_day  z1 15.0 19.5 24.0 28.5 | z2 21.0 25.5 30.0 34.5 | z3 27.0 31.5 36.0 40.5

Transit days: ground 1/3/5, express 1/2/2, next_day 1/1/1 (zones 1/2/3).
"""

from __future__ import annotations

import math

import pytest

from solver.models import Customer, Order, OrderLine, Settings, Sku, StockRow, Zone
from solver.network import Network, build_network
from solver.pricing import (
    EXPRESS,
    GROUND,
    NEXT_DAY,
    PICKUP,
    SAME_DAY,
    TRANSFER,
    ChosenShipment,
    billable_kg,
    haversine_km,
    method_key,
    order_methods,
    price_order,
    weight_column,
)
from tests.factories import ZONES, network, node, standard_rates, standard_transit

KM_PER_DEG = 6371.0088 * math.pi / 180  # 111.19508… km per degree of latitude

SETTINGS = Settings(
    split_penalty=4.0,
    late_penalty_per_day=6.0,
    unfilled_penalty_factor=1.5,
    min_shipment_value=0.0,
    courier_base=7.0,
    courier_per_km=0.9,
)

SKUS = [
    Sku(sku="A", weight_kg=0.3, unit_value=10.0),
    Sku(sku="B", weight_kg=2.01, unit_value=20.0),
    Sku(sku="H", weight_kg=12.0, unit_value=50.0),  # heavier than every rate row (10 kg)
]


def _nodes():
    # handling: 2.00 per order + 0.50 per unit unless said otherwise; processing 1 day.
    return [
        node("NEAR", lat=0.5, lon=0.0),  # 55.6 km: zone 1
        node("MID", lat=2.0, lon=0.0),  # 222.4 km: zone 2
        node("FAR", lat=6.0, lon=0.0),  # 667.2 km: zone 3
        node("DARK", "dark_store", lat=0.1, lon=0.0, same_day=True, same_day_radius_km=20.0),
        node("STORE", "store", lat=3.0, lon=0.0, processing_days=2, same_day=True,
             same_day_radius_km=50.0),
        node("SHOP", "store", lat=3.0, lon=0.0, pickup=False),
        node("VENDOR", "vendor", lat=0.5, lon=0.0, dropship_fee=3.0, handling_per_order=1.0,
             handling_per_unit=0.0),
        node("OFF", lat=0.5, lon=0.0, active=False),
        node("WEBONLY", lat=0.5, lon=0.0, channels=("web",)),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def net() -> Network:
    stock = [StockRow(node_id=n.node_id, sku=s.sku, on_hand=10) for n in _nodes() for s in SKUS]
    return network(_nodes(), SKUS, stock, SETTINGS)


def make_order(
    service: str = "ground",
    lines: tuple[tuple[str, int], ...] = (("A", 1),),
    *,
    pickup_node: str | None = None,
    promise_days: int | None = None,
    channel: str | None = None,
) -> Order:
    return Order(
        order_id="o-1",
        customer=Customer(lat=0.0, lon=0.0),
        service=service,
        pickup_node=pickup_node,
        promise_days=promise_days,
        channel=channel,
        lines=tuple(
            OrderLine(line_id=str(i + 1), sku=sku, qty=qty) for i, (sku, qty) in enumerate(lines)
        ),
    )


def ship(net: Network, node_id: str, key: int, **units: int) -> ChosenShipment:
    return ChosenShipment(net.node_index[node_id], key, units)


def test_distances_on_one_meridian_are_degrees_times_km_per_degree(net: Network) -> None:
    km = haversine_km(net.lat, net.lon, 0.0, 0.0)
    assert km[net.node_index["MID"]] == pytest.approx(2 * KM_PER_DEG, abs=1e-9)
    assert round(KM_PER_DEG, 5) == 111.19508


@pytest.mark.parametrize(
    ("weight", "billable"),
    [(0.0, 1), (0.3, 1), (0.1 * 3, 1), (1.0, 1), (2.0, 2), (2.01, 3), (8.04, 9), (12.0, 12)],
)
def test_billable_kg_is_at_least_one_and_rounds_up(weight: float, billable: int) -> None:
    assert billable_kg(weight) == billable


@pytest.mark.parametrize(
    ("node_id", "key", "units", "kg", "carrier", "eta"),
    [
        # 0.3 kg → 1 kg, zone 1, ground band 1: 5.00; 1 processing + 1 transit.
        ("NEAR", GROUND, {"1": 1}, 1, 5.0, 2),
        # 2.01 kg → 3 kg → band 5 (third), zone 1 express: 2 × (5 + 3) = 16.00; 1 + 1.
        ("NEAR", EXPRESS, {"2": 1}, 3, 16.0, 2),
        # zone 1 next day, band 1: 3 × 5 = 15.00; 1 + 1.
        ("NEAR", NEXT_DAY, {"1": 1}, 1, 15.0, 2),
        # 3 kg, zone 2 ground band 5: 5 + 2 + 3 = 10.00; 1 + 3.
        ("MID", GROUND, {"2": 1}, 3, 10.0, 4),
        # 2 × 2.01 = 4.02 → 5 kg, zone 2 express band 5: 2 × (5 + 2 + 3) = 20.00; 1 + 2.
        ("MID", EXPRESS, {"2": 2}, 5, 20.0, 3),
        # 1 kg, zone 2 next day band 1: 3 × (5 + 2) = 21.00; 1 + 1.
        ("MID", NEXT_DAY, {"1": 1}, 1, 21.0, 2),
        # 4 × 2.01 = 8.04 → 9 kg → band 10, zone 3 ground: 5 + 4 + 4.5 = 13.50; 1 + 5.
        ("FAR", GROUND, {"2": 4}, 9, 13.5, 6),
        # 2 × 0.3 + 1 × 2.01 = 2.61 → 3 kg, zone 3 express band 5: 2 × (5 + 4 + 3) = 24.00.
        ("FAR", EXPRESS, {"1": 2, "2": 1}, 3, 24.0, 3),
        # 2 × 0.3 = 0.6 → 1 kg, zone 3 next day band 1: 3 × (5 + 4) = 27.00; 1 + 1.
        ("FAR", NEXT_DAY, {"1": 2}, 1, 27.0, 2),
    ],
)
def test_parcel_costs_by_service_zone_and_weight_band(
    net: Network, node_id: str, key: int, units: dict[str, int], kg: int, carrier: float, eta: int
) -> None:
    order = make_order("ground", (("A", 4), ("B", 4)), promise_days=10)
    plan = price_order(net, order, [ship(net, node_id, key, **units)])
    (shipment,) = plan.shipments
    assert (shipment.method, shipment.service) == ("parcel", ("ground", "express", "next_day")[key])
    assert shipment.billable_kg == kg
    assert shipment.carrier_cost == pytest.approx(carrier)
    assert shipment.eta_days == eta
    assert shipment.handling_cost == pytest.approx(2.0 + 0.5 * sum(units.values()))


def test_a_parcel_service_may_differ_from_the_order_service(net: Network) -> None:
    methods = order_methods(net, make_order("ground"))
    far = net.node_index["FAR"]
    assert methods.allowed(NEXT_DAY, far) and methods.allowed(EXPRESS, far)


def test_order_cost_is_shipments_plus_penalties_of_section_4(net: Network) -> None:
    # NEAR ground 1 × A: carrier 5.00 + handling 2.00 + 0.50 = 7.50; eta 2 ≤ promise 5.
    # MID ground 1 × B: 3 kg zone 2 = 10.00 + handling 2.50 = 12.50; eta 4 ≤ 5.
    # Split penalty 4.00 × (2 − 1); line 2 has 2 of 3 units unfilled: 1.5 × 20.00 × 2 = 60.00.
    order = make_order("ground", (("A", 1), ("B", 3)))
    plan = price_order(
        net, order, [ship(net, "NEAR", GROUND, **{"1": 1}), ship(net, "MID", GROUND, **{"2": 1})]
    )
    assert plan.breakdown is not None
    assert plan.breakdown.carrier == pytest.approx(15.0)
    assert plan.breakdown.handling == pytest.approx(5.0)
    assert plan.breakdown.split == pytest.approx(4.0)
    assert plan.breakdown.late == 0.0
    assert plan.breakdown.unfilled == pytest.approx(60.0)
    assert plan.cost == pytest.approx(84.0)
    assert [(u.line_id, u.sku, u.qty) for u in plan.unfilled] == [("2", "B", 2)]


def test_handling_is_per_order_plus_per_unit(net: Network) -> None:
    # 3 × A = 0.9 kg → 1 kg zone 1 ground 5.00; handling 2.00 + 3 × 0.50 = 3.50.
    plan = price_order(
        net, make_order("ground", (("A", 3),)), [ship(net, "NEAR", GROUND, **{"1": 3})]
    )
    assert plan.shipments[0].handling_cost == pytest.approx(3.5)
    assert plan.cost == pytest.approx(8.5)


def test_dropship_fee_is_charged_per_shipment(net: Network) -> None:
    # VENDOR at 55.6 km: ground 5.00 + handling 1.00 + 0 per unit + dropship fee 3.00.
    plan = price_order(
        net, make_order("ground", (("A", 2),)), [ship(net, "VENDOR", GROUND, **{"1": 2})]
    )
    assert plan.shipments[0].dropship_fee == pytest.approx(3.0)
    assert plan.breakdown is not None and plan.breakdown.dropship == pytest.approx(3.0)
    assert plan.cost == pytest.approx(9.0)


def test_late_penalty_is_per_day_past_the_default_promise(net: Network) -> None:
    # FAR ground: eta 1 + 5 = 6 days, ground promise 5: 1 day late × 6.00.
    plan = price_order(net, make_order("ground"), [ship(net, "FAR", GROUND, **{"1": 1})])
    assert plan.breakdown is not None and plan.breakdown.late == pytest.approx(6.0)
    # 9.00 carrier (zone 3, 1 kg) + 2.50 handling + 6.00 late.
    assert plan.cost == pytest.approx(17.5)


def test_promise_days_of_the_order_override_the_default(net: Network) -> None:
    # Same shipment, promise 3 days: 3 days late × 6.00 = 18.00.
    order = make_order("ground", promise_days=3)
    methods = order_methods(net, order)
    assert methods.promise == 3
    assert methods.late_cost[GROUND, net.node_index["FAR"]] == pytest.approx(18.0)
    plan = price_order(net, order, [ship(net, "FAR", GROUND, **{"1": 1})])
    assert plan.breakdown is not None and plan.breakdown.late == pytest.approx(18.0)


def test_unfilled_units_cost_the_penalty_factor_times_unit_value(net: Network) -> None:
    # Nothing shipped: 1.5 × (2 × 10.00 + 1 × 20.00) = 60.00.
    plan = price_order(net, make_order("ground", (("A", 2), ("B", 1))), [])
    assert plan.shipments == ()
    assert plan.cost == pytest.approx(60.0)


def test_same_day_courier_costs_base_plus_per_km_within_the_radius(net: Network) -> None:
    # DARK is 0.1° = 11.12 km away, radius 20 km: 7.00 + 0.90 × 11.1195 = 17.0076; eta 0.
    order = make_order("same_day")
    plan = price_order(net, order, [ship(net, "DARK", SAME_DAY, **{"1": 1})])
    (shipment,) = plan.shipments
    assert (shipment.method, shipment.service, shipment.eta_days) == ("same_day", "same_day", 0)
    assert shipment.carrier_cost == pytest.approx(7.0 + 0.9 * 0.1 * KM_PER_DEG)
    assert shipment.carrier_cost == pytest.approx(17.0076, abs=1e-4)
    assert plan.breakdown is not None and plan.breakdown.late == 0.0


def test_same_day_is_not_allowed_beyond_the_radius_or_without_a_courier(net: Network) -> None:
    methods = order_methods(net, make_order("same_day"))
    assert not methods.allowed(SAME_DAY, net.node_index["STORE"])  # 333.6 km > 50 km radius
    assert not methods.allowed(SAME_DAY, net.node_index["NEAR"])  # no courier
    assert methods.allowed(SAME_DAY, net.node_index["DARK"])


def test_same_day_at_exactly_the_radius_is_allowed() -> None:
    d = float(haversine_km(0.1, 0.0, 0.0, 0.0))
    edge = node("EDGE", "dark_store", lat=0.1, lon=0.0, same_day=True, same_day_radius_km=d)
    net = network([edge], SKUS, [], SETTINGS)
    assert order_methods(net, make_order("same_day")).allowed(SAME_DAY, 0)


def test_heavier_than_every_rate_row_has_no_parcel_rate_but_same_day_still_goes(
    net: Network,
) -> None:
    order = make_order("ground", (("H", 1),))  # 12 kg; the largest band is 10 kg
    methods = order_methods(net, order)
    near, dark = net.node_index["NEAR"], net.node_index["DARK"]
    column = weight_column(net, 12)
    assert math.isnan(methods.carrier[GROUND, near, column])
    parcel = price_order(net, order, [ship(net, "NEAR", GROUND, **{"1": 1})])
    assert math.isnan(parcel.shipments[0].carrier_cost)
    courier = price_order(net, order, [ship(net, "DARK", SAME_DAY, **{"1": 1})])
    assert courier.shipments[0].carrier_cost == pytest.approx(7.0 + 0.9 * 0.1 * KM_PER_DEG)
    assert methods.carrier[SAME_DAY, dark, column] == pytest.approx(17.0076, abs=1e-4)


def test_pickup_costs_nothing_to_carry_and_takes_the_processing_days(net: Network) -> None:
    # STORE processing 2 days, pickup promise 2: not late; handling 2.00 + 0.50.
    order = make_order("pickup", pickup_node="STORE")
    plan = price_order(net, order, [ship(net, "STORE", PICKUP, **{"1": 1})])
    (shipment,) = plan.shipments
    assert (shipment.method, shipment.service) == ("pickup", "pickup")
    assert shipment.carrier_cost == 0.0
    assert shipment.eta_days == 2
    assert plan.cost == pytest.approx(2.5)


def test_pickup_only_at_the_orders_pickup_node_which_offers_pickup(net: Network) -> None:
    at_store = order_methods(net, make_order("pickup", pickup_node="STORE"))
    assert at_store.allowed(PICKUP, net.node_index["STORE"])
    assert not at_store.allowed(PICKUP, net.node_index["SHOP"])  # not the order's store
    at_shop = order_methods(net, make_order("pickup", pickup_node="SHOP"))
    assert not at_shop.allowed(PICKUP, net.node_index["SHOP"])  # SHOP has no pickup
    home = order_methods(net, make_order("ground"))
    assert not any(home.allowed(PICKUP, n) for n in range(len(net.nodes)))


def test_transfer_is_priced_at_the_ground_rate_to_the_pickup_store(net: Network) -> None:
    # MID (2°) → STORE (3°): 1° = 111.2 km, zone 2: ground 1 kg 7.00; eta 1 + 3 = 4 days,
    # pickup promise 2: 2 days late × 6.00 = 12.00. Handling 2.50. Total 21.50.
    order = make_order("pickup", pickup_node="STORE")
    plan = price_order(net, order, [ship(net, "MID", TRANSFER, **{"1": 1})])
    (shipment,) = plan.shipments
    assert (shipment.method, shipment.service) == ("transfer", "ground")
    assert shipment.carrier_cost == pytest.approx(7.0)
    assert shipment.eta_days == 4
    assert plan.breakdown is not None and plan.breakdown.late == pytest.approx(12.0)
    assert plan.cost == pytest.approx(21.5)


def test_transfer_never_from_the_pickup_node_nor_for_a_home_delivery(net: Network) -> None:
    pickup = order_methods(net, make_order("pickup", pickup_node="STORE"))
    assert not pickup.allowed(TRANSFER, net.node_index["STORE"])
    assert pickup.allowed(TRANSFER, net.node_index["NEAR"])
    home = order_methods(net, make_order("ground"))
    assert not any(home.allowed(TRANSFER, n) for n in range(len(net.nodes)))


def test_pickup_order_never_ships_to_home(net: Network) -> None:
    methods = order_methods(net, make_order("pickup", pickup_node="STORE"))
    for key in (GROUND, EXPRESS, NEXT_DAY, SAME_DAY):
        assert not any(methods.allowed(key, n) for n in range(len(net.nodes)))


def test_split_penalty_per_shipment_beyond_the_first(net: Network) -> None:
    order = make_order("ground", (("A", 3),))
    chosen = [ship(net, nid, GROUND, **{"1": 1}) for nid in ("NEAR", "MID", "FAR")]
    plan = price_order(net, order, chosen)
    assert plan.breakdown is not None and plan.breakdown.split == pytest.approx(8.0)


def test_a_distance_exactly_at_a_zone_limit_is_in_that_zone() -> None:
    # Zone 1 ends exactly at the node's distance: ground 1 kg costs the zone 1 rate 5.00.
    edge = node("EDGE", lat=0.5, lon=0.0)
    d = float(haversine_km(0.5, 0.0, 0.0, 0.0))
    zones = [Zone(zone="1", max_km=d), Zone(zone="2", max_km=500), Zone(zone="3", max_km=None)]
    net = build_network([edge], SKUS, [], zones, standard_rates(), standard_transit(), SETTINGS)
    plan = price_order(net, make_order("ground"), [ChosenShipment(0, GROUND, {"1": 1})])
    assert plan.shipments[0].carrier_cost == pytest.approx(5.0)
    assert plan.shipments[0].eta_days == 2
    # A hair further and it is zone 2: 7.00, transit 3 days.
    zones[0] = Zone(zone="1", max_km=d - 1e-6)
    net = build_network([edge], SKUS, [], zones, standard_rates(), standard_transit(), SETTINGS)
    plan = price_order(net, make_order("ground"), [ChosenShipment(0, GROUND, {"1": 1})])
    assert plan.shipments[0].carrier_cost == pytest.approx(7.0)
    assert plan.shipments[0].eta_days == 4


def test_beyond_the_last_bounded_zone_no_parcel_is_allowed() -> None:
    bounded = [z for z in ZONES if z.max_km is not None]  # 100 km and 500 km, no open band
    nodes = [node("NEAR", lat=0.5, lon=0.0), node("FAR", lat=6.0, lon=0.0)]
    rates = [r for r in standard_rates() if r.zone != "3"]
    transit = [t for t in standard_transit() if t.zone != "3"]
    net = build_network(nodes, SKUS, [], bounded, rates, transit, SETTINGS)
    methods = order_methods(net, make_order("ground"))
    for key in (GROUND, EXPRESS, NEXT_DAY):
        assert methods.allowed(key, 0)
        assert not methods.allowed(key, 1)
        assert math.isnan(methods.carrier[key, 1, 1])


def test_an_inactive_node_is_allowed_nothing(net: Network) -> None:
    off = net.node_index["OFF"]
    for order in (
        make_order("ground"),
        make_order("same_day"),
        make_order("pickup", pickup_node="STORE"),
    ):
        methods = order_methods(net, order)
        assert not any(methods.allowed(key, off) for key in range(6))


def test_a_node_serves_only_its_channels(net: Network) -> None:
    web_only = net.node_index["WEBONLY"]
    assert not order_methods(net, make_order("ground", channel="app")).allowed(GROUND, web_only)
    assert order_methods(net, make_order("ground", channel="web")).allowed(GROUND, web_only)
    assert order_methods(net, make_order("ground", channel=None)).allowed(GROUND, web_only)
    # A node without channels serves every channel.
    assert order_methods(net, make_order("ground", channel="app")).allowed(
        GROUND, net.node_index["NEAR"]
    )


@pytest.mark.parametrize(
    ("method", "service", "key"),
    [
        ("parcel", "ground", GROUND),
        ("parcel", "express", EXPRESS),
        ("parcel", "next_day", NEXT_DAY),
        ("same_day", "same_day", SAME_DAY),
        ("pickup", "pickup", PICKUP),
        ("transfer", "ground", TRANSFER),
        ("parcel", "pickup", None),
        ("transfer", "express", None),
    ],
)
def test_method_key_of_a_plans_method_and_service(
    method: str, service: str, key: int | None
) -> None:
    assert method_key(method, service) == key
