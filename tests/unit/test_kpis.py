"""KPIs of a hand-made plan whose every figure is worked out below.

Every customer is at (40.0, -74.0); nodes lie due north on the same meridian, so a node at
latitude 40 + δ is δ × KM_PER_DEG km away. Default settings: split 4.00, late 6.00 a day,
unfilled factor 1.0, courier 7.00 + 0.90/km, promises ground 5, same_day 0, pickup 2.

    node  kind       at     handling      limits                       ships
    W1    warehouse  40.5   2.00 + 0.50   3 orders, 8 units / day      o-1, o-2, o-6 (4 units)
    W2    warehouse  42.0   2.00 + 0.50   10 units / day               nothing
    S1    store      40.1   1.50 + 0.25   4 orders / day               o-3, o-4 (2 units)
    V1    vendor     41.0   1.00 + 0.00   none; dropship 3.00, 2 days  o-2 (1 unit)

    order  what                            cost
    o-1    2 A from W1, ground             1 kg zone 1 5.00 + 3.00 handling = 8.00
    o-2    1 A W1 + 1 B V1, promise 3      7.50 + (7.00 zone 2 + 1.00 + 3.00 fee) + 4.00 split
                                           + V1 eta 2 + 3 = 5, 2 days late 12.00 = 34.50
    o-3    1 A same day from S1            7.00 + 0.90 × 11.12 km + 1.75 = 18.7576
    o-4    1 B picked up at S1             0 + 1.75 = 1.75 (eta 1 ≤ 2)
    o-5    2 C unfilled                    2 × 5.00 = 10.00
    o-6    1 A from W1 to S1 (pickup)      transfer 0.4° = 44.5 km zone 1 5.00 + 2.50 = 7.50
"""

from __future__ import annotations

import json
import math

import pytest

from omniroute.tables import kpi_table
from solver.checker import check_plan
from solver.kpis import Kpis, plan_kpis
from solver.models import Customer, Order, OrderLine, Plan, Sku, StockRow
from solver.network import Dataset
from solver.pricing import GROUND, PICKUP, SAME_DAY, TRANSFER, ChosenShipment, price_order
from tests.factories import network, node

KM_PER_DEG = 6371.0088 * math.pi / 180
# price_order rounds each cost component to 4 decimals, so money agrees to 1e-4.
MONEY = {"abs": 1e-4}
COURIER = 7.0 + 0.9 * 0.1 * KM_PER_DEG  # S1 is 0.1° from the customer
TOTAL = 8.0 + 34.5 + (COURIER + 1.75) + 1.75 + 10.0 + 7.5  # 80.5076
BOUND = 72.45

NODES = [
    node("W1", lat=40.5, lon=-74.0, max_orders_per_day=3, max_units_per_day=8),
    node("W2", lat=42.0, lon=-74.0, max_units_per_day=10),
    node("S1", "store", lat=40.1, lon=-74.0, same_day=True, same_day_radius_km=20.0,
         handling_per_order=1.5, handling_per_unit=0.25, max_orders_per_day=4),
    node("V1", "vendor", lat=41.0, lon=-74.0, handling_per_order=1.0, handling_per_unit=0.0,
         dropship_fee=3.0, processing_days=2),
    node("OFF", lat=40.5, lon=-74.0, active=False, max_orders_per_day=1),
]  # fmt: skip
SKUS = [
    Sku(sku="A", weight_kg=0.5, unit_value=10.0),
    Sku(sku="B", weight_kg=1.0, unit_value=20.0),
    Sku(sku="C", weight_kg=0.3, unit_value=5.0),
]
STOCK = [StockRow(node_id=n.node_id, sku=s.sku, on_hand=5) for n in NODES for s in SKUS]


def order(order_id: str, *lines: tuple[str, int], service: str = "ground", **kw: object) -> Order:
    return Order(
        order_id=order_id,
        customer=Customer(lat=40.0, lon=-74.0),
        service=service,
        lines=tuple(OrderLine(line_id=str(i + 1), sku=s, qty=q) for i, (s, q) in enumerate(lines)),
        **kw,
    )


ORDERS = (
    order("o-1", ("A", 2)),
    order("o-2", ("A", 1), ("B", 1), promise_days=3),
    order("o-3", ("A", 1), service="same_day"),
    order("o-4", ("B", 1), service="pickup", pickup_node="S1"),
    order("o-5", ("C", 2)),
    order("o-6", ("A", 1), service="pickup", pickup_node="S1"),
)


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return Dataset("kpi-demo", network(NODES, SKUS, STOCK), ORDERS)


@pytest.fixture(scope="module")
def plan(ds: Dataset) -> Plan:
    idx = ds.network.node_index
    decisions = {
        "o-1": [ChosenShipment(idx["W1"], GROUND, {"1": 2})],
        "o-2": [
            ChosenShipment(idx["W1"], GROUND, {"1": 1}),
            ChosenShipment(idx["V1"], GROUND, {"2": 1}),
        ],
        "o-3": [ChosenShipment(idx["S1"], SAME_DAY, {"1": 1})],
        "o-4": [ChosenShipment(idx["S1"], PICKUP, {"1": 1})],
        "o-5": [],
        "o-6": [ChosenShipment(idx["W1"], TRANSFER, {"1": 1})],
    }
    orders = tuple(price_order(ds.network, o, decisions[o.order_id]) for o in ds.orders)
    return Plan(
        dataset=ds.name,
        strategy="hand",
        total_cost=round(TOTAL, 2),
        bound=BOUND,
        orders=orders,
        solve_seconds=1.25,
    )


@pytest.fixture(scope="module")
def kpis(ds: Dataset, plan: Plan) -> Kpis:
    return plan_kpis(ds, plan)


def test_the_hand_made_plan_is_valid(ds: Dataset, plan: Plan) -> None:
    assert check_plan(ds, plan).ok


def test_cost_and_its_breakdown(kpis: Kpis) -> None:
    assert kpis.orders == 6
    assert kpis.total_cost == pytest.approx(TOTAL, **MONEY)
    assert kpis.total_cost == pytest.approx(80.5076, **MONEY)
    assert kpis.cost_per_order == pytest.approx(TOTAL / 6, **MONEY)
    assert kpis.carrier_cost == pytest.approx(5.0 + 5.0 + 7.0 + COURIER + 0.0 + 5.0, **MONEY)
    assert kpis.handling_cost == pytest.approx(3.0 + 2.5 + 1.0 + 1.75 + 1.75 + 2.5)
    assert kpis.dropship_cost == pytest.approx(3.0)
    assert kpis.split_cost == pytest.approx(4.0)
    assert kpis.late_cost == pytest.approx(12.0)
    assert kpis.unfilled_cost == pytest.approx(10.0)


def test_costs_are_recomputed_not_read_from_the_file(ds: Dataset, plan: Plan) -> None:
    tampered = plan.model_copy(
        update={
            "total_cost": 1.0,
            "orders": tuple(o.model_copy(update={"cost": 0.0}) for o in plan.orders),
        }
    )
    assert plan_kpis(ds, tampered).total_cost == pytest.approx(TOTAL, **MONEY)


def test_shipments_and_splits(kpis: Kpis) -> None:
    assert kpis.shipments == 6
    assert kpis.shipments_per_order == pytest.approx(1.0)
    assert kpis.split_order_share == pytest.approx(1 / 6)  # o-2


def test_on_time_shares(kpis: Kpis) -> None:
    # Late: only V1's shipment of o-2 (eta 5, promise 3). o-5 has no shipment to be late.
    assert kpis.on_time_shipment_share == pytest.approx(5 / 6)
    assert kpis.on_time_order_share == pytest.approx(4 / 5)


def test_units_shipped_and_unfilled(kpis: Kpis) -> None:
    assert (kpis.units_ordered, kpis.units_shipped, kpis.unfilled_units) == (9, 7, 2)
    assert kpis.unfilled_share == pytest.approx(2 / 9)


def test_shares_of_shipped_units_by_method_and_node_kind(kpis: Kpis) -> None:
    assert kpis.units_by_method == pytest.approx(
        {"parcel": 4 / 7, "same_day": 1 / 7, "pickup": 1 / 7, "transfer": 1 / 7}
    )
    assert kpis.units_by_node_kind == pytest.approx(
        {"warehouse": 4 / 7, "store": 2 / 7, "vendor": 1 / 7, "dark_store": 0.0}
    )


def test_distance_per_unit_counts_transfers_to_the_store_and_pickup_as_zero(kpis: Kpis) -> None:
    # o-1 2 × 0.5°, o-2 0.5° + 1.0°, o-3 0.1°, o-4 0 (pickup), o-6 0.4° (W1 → S1): 3.0° / 7.
    assert kpis.km_per_unit == pytest.approx(3.0 * KM_PER_DEG / 7)


def test_node_utilisation_against_capacity(kpis: Kpis) -> None:
    loads = {load.node_id: load for load in kpis.node_loads}
    # W1: 3 of 3 shipments (100 %), 4 of 8 units (50 %): the tighter is 100 %.
    assert (loads["W1"].shipments, loads["W1"].units) == (3, 4)
    assert loads["W1"].orders_utilisation == pytest.approx(1.0)
    assert loads["W1"].units_utilisation == pytest.approx(0.5)
    assert loads["W1"].utilisation == pytest.approx(1.0)
    assert loads["S1"].utilisation == pytest.approx(0.5)  # 2 of 4 shipments
    assert loads["W2"].utilisation == 0.0  # limited, unused
    assert loads["V1"].utilisation is None  # no limit
    assert loads["OFF"].utilisation is None  # inactive
    assert kpis.limited_nodes == 3
    assert kpis.utilisation_mean == pytest.approx((1.0 + 0.5 + 0.0) / 3)
    assert kpis.utilisation_max == pytest.approx(1.0)
    assert kpis.nodes_at_capacity == 1


def test_bound_gap_and_solve_time(kpis: Kpis) -> None:
    assert kpis.bound == BOUND
    assert kpis.gap == pytest.approx((TOTAL - BOUND) / TOTAL, abs=1e-5)
    assert kpis.gap == pytest.approx(0.1001, abs=1e-4)
    assert kpis.solve_seconds == 1.25


def test_no_bound_no_gap(ds: Dataset, plan: Plan) -> None:
    assert plan_kpis(ds, plan.model_copy(update={"bound": None})).gap is None


def test_kpis_dump_to_a_plain_dict(kpis: Kpis) -> None:
    data = kpis.model_dump()
    assert data["orders"] == 6
    assert data["units_by_method"]["parcel"] == pytest.approx(4 / 7)
    assert data["node_loads"][0]["node_id"] == "W1"
    assert json.loads(json.dumps(kpis.as_dict())) == kpis.as_dict()


def test_rows_and_table_read_with_units(kpis: Kpis) -> None:
    rows = dict(kpis.as_rows())
    assert rows["Total cost"] == "80.51"
    assert rows["Orders split (>1 shipment)"] == "16.7 %"
    assert rows["Units unfilled"] == "2 (22.2 %)"
    assert rows["Distance per unit"] == f"{3.0 * KM_PER_DEG / 7:.1f} km"
    assert rows["Optimality gap"] == "10.0 %"
    assert rows["Solve time"] == "1.25 s"
    table = kpi_table(kpis)
    assert table.row_count == len(kpis.as_rows())
    assert [c.header for c in table.columns] == ["KPI", "value"]


def test_an_empty_plan_has_zero_shares_not_errors(ds: Dataset) -> None:
    empty = Dataset("empty", ds.network, ())
    kpis = plan_kpis(empty, Plan(dataset="empty", strategy="none", total_cost=0.0, orders=()))
    assert (kpis.orders, kpis.cost_per_order, kpis.on_time_shipment_share) == (0, 0.0, 0.0)
    assert kpis.utilisation_max == 0.0
