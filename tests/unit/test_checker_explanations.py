"""What the checker tells a planner (spec §3–§6): the exact explanation of each broken rule.

A planner reads `omniroute check`'s lines to mend a plan, so each message is behaviour: which
condition of the §3 table fails, at what distance, which orders share a node that is over its
capacity, which lines of a kit are short. Each test breaks one rule and pins the whole line.

The customer of every order is at (40.0, -74.0) and the nodes lie due north of them (0.1° of
latitude is 11.1 km), so every distance below can be checked by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from solver.checker import PlanMismatch, check_plan, chosen_shipment
from solver.models import (
    Node,
    Order,
    OrderPlan,
    Plan,
    PlanLine,
    Settings,
    Shipment,
    Sku,
    StockRow,
    Zone,
)
from solver.network import Dataset, build_network
from solver.pricing import (
    EXPRESS,
    GROUND,
    NEXT_DAY,
    PICKUP,
    SAME_DAY,
    TRANSFER,
    ChosenShipment,
)
from tests.factories import node, standard_rates, standard_transit
from tests.unit.test_checker import (
    dataset,
    order,
    priced_plan,
    replace_order,
    replace_shipment,
    ship,
    two_same_day_orders_at_s1,
    valid_dataset,
    valid_plan,
)

# Zones end at 500 km here (no zone 3), so a node 556 km away has no zone at all.
ZONES = (Zone(zone="1", max_km=100), Zone(zone="2", max_km=500))
NODES = [
    node("W1", lat=40.5, lon=-74.0),  # 55.6 km
    node("F1", lat=45.0, lon=-74.0),  # 556.0 km: beyond the last zone
    node("S1", "store", lat=40.1, lon=-74.0, same_day=True, same_day_radius_km=20.0),  # 11.1
    node("S2", "store", lat=40.3, lon=-74.0, same_day=True, same_day_radius_km=20.0),  # 33.4
    node("S3", "store", lat=40.2, lon=-74.0, pickup=False),  # 22.2 km, no pickup counter
    node("D1", "dark_store", lat=40.2, lon=-74.0, ships=False),  # 22.2 km, couriers only
    node("W2", lat=40.5, lon=-74.0, channels=("store", "web")),
]
SKUS = [Sku(sku="A", weight_kg=0.5, unit_value=10.0), Sku(sku="H", weight_kg=12.0, unit_value=5.0)]
STOCK = [StockRow(node_id=n.node_id, sku=s.sku, on_hand=10) for n in NODES for s in SKUS]


def zoned_dataset(*orders: Order, nodes: Sequence[Node] = NODES) -> Dataset:
    rates = [r for r in standard_rates() if r.zone in ("1", "2")]
    transits = [t for t in standard_transit() if t.zone in ("1", "2")]
    net = build_network(nodes, SKUS, STOCK, ZONES, rates, transits, Settings())
    return Dataset("zoned", net, tuple(orders))


def only_message(ds: Dataset, plan: Plan) -> str:
    result = check_plan(ds, plan)
    assert len(result.violations) == 1, result.violations
    return str(result.violations[0])


# --- §3: which condition of the method table fails --------------------------------------------

GROUND_ORDER = order("o-1", ("A", 1))
SAME_DAY_ORDER = order("o-1", ("A", 1), service="same_day")
PICKUP_AT_S1 = order("o-1", ("A", 1), service="pickup", pickup_node="S1")
PICKUP_AT_S3 = order("o-1", ("A", 1), service="pickup", pickup_node="S3")


@pytest.mark.parametrize(
    ("the_order", "node_id", "key", "method", "why"),
    [
        (PICKUP_AT_S1, "W1", GROUND, "parcel (ground)", "a pickup order ships only by pickup or transfer"),
        (PICKUP_AT_S1, "S1", SAME_DAY, "same_day", "a pickup order ships only by pickup or transfer"),
        (GROUND_ORDER, "S1", PICKUP, "pickup", "the order's service is ground, not pickup"),
        (SAME_DAY_ORDER, "W1", TRANSFER, "transfer", "the order's service is same_day, not pickup"),
        (PICKUP_AT_S1, "S2", PICKUP, "pickup", "the order's pickup node is S1"),
        (PICKUP_AT_S3, "S3", PICKUP, "pickup", "node S3 offers no pickup"),
        (PICKUP_AT_S1, "S1", TRANSFER, "transfer", "the pickup node cannot transfer to itself"),
        (SAME_DAY_ORDER, "W1", SAME_DAY, "same_day", "node W1 has no same-day courier"),
        (SAME_DAY_ORDER, "S2", SAME_DAY, "same_day",
         "33.4 km to the customer, beyond the same-day radius of 20 km"),
        (GROUND_ORDER, "D1", GROUND, "parcel (ground)", "node D1 does not ship parcels"),
        (GROUND_ORDER, "D1", EXPRESS, "parcel (express)", "node D1 does not ship parcels"),
        (GROUND_ORDER, "F1", NEXT_DAY, "parcel (next_day)", "no zone or transit time for 556.0 km"),
        # A transfer's distance is to the pickup store (F1 to S1: 4.9° = 544.9 km), not home.
        (PICKUP_AT_S1, "F1", TRANSFER, "transfer", "no zone or transit time for 544.9 km"),
        (PICKUP_AT_S1, "D1", TRANSFER, "transfer", "node D1 does not ship parcels"),
    ],
)  # fmt: skip
def test_a_method_not_allowed_is_explained_by_the_condition_that_fails(
    the_order, node_id: str, key: int, method: str, why: str
) -> None:
    ds = zoned_dataset(the_order)
    plan = priced_plan(ds, {"o-1": [ship(ds, node_id, key, **{"1": 1})]})
    assert only_message(ds, plan) == (
        f"[method_not_allowed] order o-1 shipment 0 from {node_id}: {method} is not allowed "
        f"({why}) (§5.4)"
    )
    assert math.isnan(check_plan(ds, plan).recomputed_orders["o-1"])


def test_a_transfer_to_a_closed_pickup_store_says_it_cannot_hand_the_order_over() -> None:
    closed = [n.model_copy(update={"active": False}) if n.node_id == "S1" else n for n in NODES]
    ds = zoned_dataset(PICKUP_AT_S1, nodes=closed)
    plan = priced_plan(ds, {"o-1": [ship(ds, "W1", TRANSFER, **{"1": 1})]})
    assert only_message(ds, plan) == (
        "[method_not_allowed] order o-1 shipment 0 from W1: transfer is not allowed (the pickup "
        "store S1 cannot hand the order over (inactive or outside the order's channel)) (§5.4)"
    )


def test_a_transfer_to_a_store_without_pickup_names_the_store() -> None:
    ds = zoned_dataset(PICKUP_AT_S3)
    plan = priced_plan(ds, {"o-1": [ship(ds, "W1", TRANSFER, **{"1": 1})]})
    assert only_message(ds, plan) == (
        "[method_not_allowed] order o-1 shipment 0 from W1: transfer is not allowed (the pickup "
        "store S3 offers no pickup to hand the order over) (§5.4)"
    )


@pytest.mark.parametrize(
    ("the_order", "key", "km"),
    [
        (order("o-1", ("H", 1)), GROUND, "222.4"),
        # A ground order that happens to name a store is still priced to the customer.
        (order("o-1", ("H", 1), pickup_node="S1"), GROUND, "222.4"),
        (order("o-1", ("H", 1), service="pickup", pickup_node="S1"), TRANSFER, "211.3"),
    ],
)
def test_a_weight_without_a_rate_names_the_weight_and_the_distance(
    the_order, key: int, km: str
) -> None:
    # H weighs 12 kg, heavier than every rate row (10 kg). W2 is at 42.0° (222.4 km from the
    # customer, 211.3 km from S1 at 40.1°).
    ds = dataset([the_order])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", key, **{"1": 1})]})
    assert only_message(ds, plan) == (
        f"[no_rate] order o-1 shipment 0 from W2: no ground rate for 12 kg billable at {km} km (§3)"
    )


# --- §5.1, §5.2: the node, the numbers and the orders that share it ---------------------------


def test_stock_over_names_the_node_the_sku_the_numbers_and_both_orders() -> None:
    # S1 has 2 A on hand, 1 of them safety stock: two orders take 1 each, over by 1.
    ds = dataset([order("o-1", ("A", 1), service="same_day"), order("o-2", ("A", 1))])
    plan = priced_plan(
        ds,
        {"o-1": [ship(ds, "S1", SAME_DAY, **{"1": 1})], "o-2": [ship(ds, "S1", **{"1": 1})]},
    )
    assert only_message(ds, plan) == (
        "[stock] node S1, sku A: the plan takes 2 units, 1 available (on hand 2 − safety 1): "
        "over by 1; orders o-1, o-2 (§5.1)"
    )


def test_an_order_taking_one_sku_on_two_lines_is_named_once() -> None:
    ds = dataset([order("o-1", ("A", 2), ("A", 1))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "S1", **{"1": 2, "2": 1})]})
    assert only_message(ds, plan) == (
        "[stock] node S1, sku A: the plan takes 3 units, 1 available (on hand 2 − safety 1): "
        "over by 2; order o-1 (§5.1)"
    )


def many_orders_at_w1(n: int) -> tuple[Dataset, Plan]:
    """n one-unit orders from W1 (max_orders_per_day 2, max_units_per_day 5, 5 A on hand)."""
    ids = [f"o-{i:02d}" for i in range(1, n + 1)]
    ds = dataset([order(oid, ("A", 1)) for oid in ids])
    return ds, priced_plan(ds, {oid: [ship(ds, "W1", **{"1": 1})] for oid in ids})


@pytest.mark.parametrize(
    ("n", "named"),
    [
        (3, "orders o-01, o-02, o-03"),
        (8, "orders o-01, o-02, o-03, o-04, o-05, o-06, o-07, o-08"),
        (9, "orders o-01, o-02, o-03, o-04, o-05, o-06, o-07, o-08 and 1 more"),
        (11, "orders o-01, o-02, o-03, o-04, o-05, o-06, o-07, o-08 and 3 more"),
    ],
)
def test_a_node_over_its_orders_a_day_names_its_first_eight_orders(n: int, named: str) -> None:
    ds, plan = many_orders_at_w1(n)
    found = {v.rule: str(v) for v in check_plan(ds, plan).violations}
    assert found["orders_capacity"] == (
        f"[orders_capacity] node W1 ships {n} shipments, max_orders_per_day 2: over by {n - 2}; "
        f"{named} (§5.2)"
    )


def test_a_node_over_its_units_a_day_names_the_order() -> None:
    ds = dataset([order("o-1", ("A", 4), ("B", 2))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W1", **{"1": 4, "2": 2})]})
    assert only_message(ds, plan) == (
        "[units_capacity] node W1 ships 6 units, max_units_per_day 5: over by 1; order o-1 (§5.2)"
    )


def test_same_day_capacity_names_only_the_same_day_orders() -> None:
    # S1 has one same-day courier slot; o-3 leaves S1 by ground and takes none of it (S1 has
    # no C: the plan breaks §5.1 too, which is not this test's business).
    ds = dataset(
        [
            order("o-1", ("A", 1), service="same_day"),
            order("o-2", ("B", 1), service="same_day"),
            order("o-3", ("C", 1)),
        ]
    )
    plan = priced_plan(
        ds,
        {
            "o-1": [ship(ds, "S1", SAME_DAY, **{"1": 1})],
            "o-3": [ship(ds, "S1", **{"1": 1})],
            "o-2": [ship(ds, "S1", SAME_DAY, **{"1": 1})],
        },
    )
    found = {v.rule: str(v) for v in check_plan(ds, plan).violations}
    assert found["same_day_capacity"] == (
        "[same_day_capacity] node S1 ships 2 same-day shipments, same_day_capacity 1: over by 1; "
        "orders o-1, o-2 (§5.2)"
    )


# --- §5.3 order rules -------------------------------------------------------------------------


def test_more_shipments_than_max_shipments_says_both_numbers() -> None:
    ds = dataset([order("o-1", ("A", 1), ("B", 1), ("C", 1), max_shipments=2)])
    plan = priced_plan(
        ds,
        {"o-1": [ship(ds, "W1", **{"1": 1}), ship(ds, "W2", **{"2": 1, "3": 1})]},
    )
    assert check_plan(ds, plan).ok  # two shipments of at most two
    plan = priced_plan(
        ds,
        {
            "o-1": [
                ship(ds, "W1", **{"1": 1}),
                ship(ds, "W2", **{"2": 1}),
                ship(ds, "V1", **{"3": 1}),
            ]
        },
    )
    assert only_message(ds, plan) == (
        "[max_shipments] order o-1 has 3 shipments, max_shipments is 2 (§5.3)"
    )


def test_a_split_shipment_worth_exactly_the_minimum_passes() -> None:
    ds = dataset([order("o-1", ("A", 1), ("B", 1))], min_shipment_value=10.0)
    plan = priced_plan(ds, {"o-1": [ship(ds, "W1", **{"1": 1}), ship(ds, "W2", **{"2": 1})]})
    assert check_plan(ds, plan).ok


def test_the_split_guard_names_each_shipment_under_the_minimum() -> None:
    # A is worth 10.00 and C 5.00, under 15.00; B (20.00) is not.
    ds = dataset([order("o-1", ("A", 1), ("B", 1), ("C", 1))], min_shipment_value=15.0)
    plan = priced_plan(
        ds,
        {
            "o-1": [
                ship(ds, "W1", **{"1": 1}),
                ship(ds, "W2", **{"2": 1}),
                ship(ds, "V1", **{"3": 1}),
            ]
        },
    )
    assert [str(v) for v in check_plan(ds, plan).violations] == [
        "[split_guard] order o-1 shipment 0 from V1 carries 5.00 of unit value, under "
        "min_shipment_value 15.00 for a split order (§5.3)",
        "[split_guard] order o-1 shipment 1 from W1 carries 10.00 of unit value, under "
        "min_shipment_value 15.00 for a split order (§5.3)",
    ]


def test_a_node_of_another_channel_names_the_channels() -> None:
    ds = dataset([order("o-1", ("C", 1), channel="app")])
    plan = priced_plan(ds, {"o-1": [ship(ds, "V1", **{"1": 1})]})
    assert only_message(ds, plan) == (
        "[channel] order o-1 shipment 0 from V1: node V1 sells on web, not on the order's "
        "channel app (§5.3)"
    )


def test_a_node_of_several_channels_lists_them_all() -> None:
    ds = zoned_dataset(order("o-1", ("A", 1), channel="app"))
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 1})]})
    assert only_message(ds, plan) == (
        "[channel] order o-1 shipment 0 from W2: node W2 sells on store, web, not on the "
        "order's channel app (§5.3)"
    )


def test_an_inactive_node_is_named() -> None:
    ds = dataset([order("o-1", ("A", 1))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "X", **{"1": 1})]})
    assert only_message(ds, plan) == (
        "[inactive_node] order o-1 shipment 0 from X: node X is inactive (§5.4)"
    )


def test_a_kit_split_over_two_nodes_names_its_lines_and_the_nodes() -> None:
    ds = dataset([order("o-1", ("A", 1, "k1"), ("B", 1, "k1"), ("C", 1))])
    plan = priced_plan(
        ds, {"o-1": [ship(ds, "W1", **{"1": 1}), ship(ds, "W2", **{"2": 1, "3": 1})]}
    )
    assert only_message(ds, plan) == (
        "[kit_split] order o-1 kit 'k1' (lines 1, 2) is split over shipments from W1, W2 (§5.3)"
    )


def test_a_kit_shipped_in_part_names_the_short_lines() -> None:
    # Line 1 ships 1 of 2, line 2 stays home, line 3 ships whole.
    ds = dataset([order("o-1", ("A", 2, "k1"), ("B", 1, "k1"), ("C", 1, "k1"))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 1, "3": 1})]})
    assert only_message(ds, plan) == (
        "[kit_split] order o-1 kit 'k1' (lines 1, 2, 3) ships partly from W2: line 1 1 of 2; "
        "line 2 0 of 1 (§5.3)"
    )


def test_every_kit_of_an_order_is_checked() -> None:
    # k1 stays wholly unfilled (fine), k2 and k3 are both broken: both are named.
    ds = dataset(
        [
            order(
                "o-1",
                ("A", 1, "k1"),
                ("B", 1, "k1"),
                ("A", 1, "k2"),
                ("C", 1, "k2"),
                ("A", 1, "k3"),
                ("B", 1, "k3"),
            )
        ]
    )
    plan = priced_plan(
        ds,
        {"o-1": [ship(ds, "W2", **{"3": 1, "5": 1}), ship(ds, "W1", **{"4": 1, "6": 1})]},
    )
    assert [str(v) for v in check_plan(ds, plan).of_rule("kit_split")] == [
        "[kit_split] order o-1 kit 'k2' (lines 3, 4) is split over shipments from W1, W2 (§5.3)",
        "[kit_split] order o-1 kit 'k3' (lines 5, 6) is split over shipments from W1, W2 (§5.3)",
    ]
    one = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"3": 1, "5": 1})]})
    assert [str(v) for v in check_plan(ds, one).of_rule("kit_split")] == [
        "[kit_split] order o-1 kit 'k2' (lines 3, 4) ships partly from W2: line 4 0 of 1 (§5.3)",
        "[kit_split] order o-1 kit 'k3' (lines 5, 6) ships partly from W2: line 6 0 of 1 (§5.3)",
    ]


def test_two_kits_each_whole_from_its_own_node_pass() -> None:
    ds = dataset([order("o-1", ("A", 1, "k1"), ("B", 1, "k1"), ("C", 1, "k2"))])
    plan = priced_plan(
        ds, {"o-1": [ship(ds, "W1", **{"1": 1, "2": 1}), ship(ds, "V1", **{"3": 1})]}
    )
    assert check_plan(ds, plan).ok


# --- §5.4 and §6: quantities and the plan's own records ---------------------------------------


def test_an_overshipped_line_says_units_and_qty() -> None:
    ds = dataset([order("o-1", ("A", 2))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 3})]})
    assert only_message(ds, plan) == (
        "[overshipped_line] order o-1 line 1 (A): ships 3 units, qty 2 (§5.4)"
    )


def test_unfilled_units_that_do_not_add_up_show_the_sum() -> None:
    ds = dataset([order("o-1", ("A", 3))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 1})]})
    too_many = (PlanLine(line_id="1", sku="A", qty=3),)
    assert only_message(ds, replace_order(plan, "o-1", unfilled=too_many)) == (
        "[unfilled_mismatch] order o-1 line 1 (A): qty 3 but shipped 1 + unfilled 3 = 4 (§6)"
    )


def test_unfilled_lines_the_order_lacks_or_lists_twice_are_named() -> None:
    ds = dataset([order("o-1", ("A", 2))])
    plan = priced_plan(ds, {"o-1": []})
    unfilled = (
        PlanLine(line_id="1", sku="A", qty=1),
        PlanLine(line_id="1", sku="A", qty=1),
        PlanLine(line_id="4", sku="A", qty=1),
    )
    assert [
        str(v) for v in check_plan(ds, replace_order(plan, "o-1", unfilled=unfilled)).violations
    ] == [
        "[duplicate_line] order o-1 unfilled: line 1 is listed twice (§6)",
        "[unknown_line] order o-1 unfilled: line '4' is not a line of order o-1 (its lines: 1) (§6)",
    ]


def test_a_line_the_order_lacks_lists_the_orders_lines() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    op = next(o for o in plan.orders if o.order_id == "o-1")
    stranger = PlanLine(line_id="9", sku="A", qty=1)
    # Listed first: the known lines after it are still read (no empty shipment, no mismatch).
    plan = replace_shipment(plan, "o-1", 0, lines=(stranger, *op.shipments[0].lines))
    result = check_plan(ds, plan)
    assert [str(v) for v in result.violations] == [
        "[unknown_line] order o-1 shipment 0 from W1: line '9' is not a line of order o-1 "
        "(its lines: 1, 2) (§6)"
    ]
    assert math.isnan(result.recomputed_orders["o-1"])  # line 9's weight is unknown
    assert math.isnan(result.recomputed_total)


def test_a_wrong_sku_and_a_repeated_line_are_named() -> None:
    ds = dataset([order("o-1", ("A", 2))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 2})]})
    halves = (PlanLine(line_id="1", sku="A", qty=1), PlanLine(line_id="1", sku="C", qty=1))
    assert [
        str(v) for v in check_plan(ds, replace_shipment(plan, "o-1", 0, lines=halves)).violations
    ] == [
        "[wrong_sku] order o-1 shipment 0 from W2: line 1 says sku C but the order line is A (§6)",
        "[duplicate_line] order o-1 shipment 0 from W2: line 1 is listed twice (§6)",
    ]


def test_an_empty_shipment_and_two_from_one_node_are_named() -> None:
    ds = dataset([order("o-1", ("A", 1), ("B", 1))])
    plan = priced_plan(
        ds, {"o-1": [ship(ds, "W2", **{"1": 1}), ship(ds, "W2", **{"2": 1}), ship(ds, "W1")]}
    )
    assert [str(v) for v in check_plan(ds, plan).violations] == [
        "[empty_shipment] order o-1 shipment 0 from W1 carries no units (§3)",
        "[duplicate_node_shipment] order o-1 has more than one shipment from node W2 (§3)",
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"node_id": "W9"}, "[unknown_node] order o-2 shipment 0 from W9: node 'W9' is not in "
         "the dataset (§6)"),
        ({"service": "pickup"}, "[unknown_method] order o-2 shipment 0 from V1: method 'parcel' "
         "with service 'pickup' names no method of §3 (§6)"),
    ],
)  # fmt: skip
def test_an_unknown_node_or_method_is_named_and_the_next_shipment_still_checked(
    changes: dict, message: str
) -> None:
    ds = valid_dataset()
    plan = replace_shipment(valid_plan(ds), "o-2", 0, **changes)
    plan = replace_shipment(plan, "o-2", 1, eta_days=9)
    result = check_plan(ds, plan)
    assert [str(v) for v in result.violations] == [
        message,
        "[wrong_eta] order o-2 shipment 1 from W1: eta_days 9, recomputed 2 (§3)",
    ]
    assert math.isnan(result.recomputed_orders["o-2"])


def test_a_shipment_of_no_known_method_still_takes_same_day_capacity() -> None:
    # S1 has one same-day slot: o-1 takes it; o-2's "same_day" shipment names no method (its
    # service is wrong) but leaves S1 by courier all the same, so the slot is over by one.
    ds, plan = two_same_day_orders_at_s1()
    plan = replace_shipment(plan, "o-2", 0, service="ground")
    assert check_plan(ds, plan).rules == {"unknown_method", "same_day_capacity"}
    # A parcel that names no method takes no courier slot.
    plan = replace_shipment(plan, "o-2", 0, method="parcel", service="pickup")
    assert check_plan(ds, plan).rules == {"unknown_method"}


# --- §3, §4, §6: the numbers --------------------------------------------------------------------


def test_each_wrong_number_of_a_shipment_says_stated_and_recomputed() -> None:
    # o-2's shipment from V1 (listed first): 2 C (0.6 kg, 1 kg billable) by ground, 55.6 km
    # (zone 1): eta = 1 day of processing + 1 day of transit; carrier 5.00, handling
    # 2.00 + 2 × 0.50 = 3.00, dropship 2.00.
    ds = valid_dataset()
    plan = replace_shipment(
        valid_plan(ds), "o-2", 0, billable_kg=3, eta_days=4, carrier_cost=6.0, handling_cost=0.0,
        dropship_fee=0.5,
    )  # fmt: skip
    where = "order o-2 shipment 0 from V1"
    assert [str(v) for v in check_plan(ds, plan).violations] == [
        f"[wrong_billable_kg] {where}: billable_kg 3, recomputed 1 (§3)",
        f"[wrong_eta] {where}: eta_days 4, recomputed 2 (§3)",
        f"[wrong_cost] {where}: carrier_cost 6.00, recomputed 5.00 (§4)",
        f"[wrong_cost] {where}: handling_cost 0.00, recomputed 3.00 (§4)",
        f"[wrong_cost] {where}: dropship_fee 0.50, recomputed 2.00 (§4)",
    ]


def test_a_wrong_order_cost_and_breakdown_say_stated_and_recomputed() -> None:
    # o-1 costs 10.00: carrier 6.50, handling 3.50, nothing else.
    ds = valid_dataset()
    plan = valid_plan(ds)
    (op,) = [o for o in plan.orders if o.order_id == "o-1"]
    assert op.breakdown is not None
    bad = op.breakdown.model_copy(update={"carrier": 0.0, "handling": 4.0, "late": 2.0})
    plan = replace_order(plan, "o-1", cost=12.0, breakdown=bad)
    assert [str(v) for v in check_plan(ds, plan).violations] == [
        "[wrong_cost] order o-1 cost 12.00, recomputed 10.00 (§4)",
        "[wrong_cost] order o-1 breakdown carrier 0.00, recomputed 6.50 (§4)",
        "[wrong_cost] order o-1 breakdown handling 4.00, recomputed 3.50 (§4)",
        "[wrong_cost] order o-1 breakdown late 2.00, recomputed 0.00 (§4)",
    ]


def test_a_plan_without_breakdowns_is_checked_by_its_order_costs() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    bare = tuple(o.model_copy(update={"breakdown": None}) for o in plan.orders)
    plan = plan.model_copy(update={"orders": bare})
    assert check_plan(ds, plan).ok
    assert only_message(ds, replace_order(plan, "o-1", cost=10.02)) == (
        "[wrong_cost] order o-1 cost 10.02, recomputed 10.00 (§4)"
    )


def test_a_wrong_total_says_by_how_much() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    exact = check_plan(ds, plan).recomputed_total
    wrong = plan.model_copy(update={"total_cost": round(exact - 1.25, 2)})
    assert only_message(ds, wrong) == (
        f"[wrong_total] total_cost {exact - 1.25:.2f} but the orders recompute to {exact:.2f} "
        "(off by -1.25) (§6)"
    )


def test_a_bound_within_half_a_cent_of_the_total_passes() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    assert check_plan(ds, plan.model_copy(update={"bound": plan.total_cost + 0.005})).ok
    high = plan.model_copy(update={"bound": plan.total_cost + 0.25})
    assert only_message(ds, high) == (
        f"[bound] bound {plan.total_cost + 0.25:.2f} is above total_cost {plan.total_cost:.2f}: "
        "a lower bound cannot exceed a plan's cost (§6)"
    )


def test_orders_missing_unknown_and_repeated_are_named() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    by_id = {o.order_id: o for o in plan.orders}
    stranger = OrderPlan(order_id="o-99", cost=0.0)
    # The stranger comes first: every order after it is still checked.
    orders = (stranger, *(o for o in plan.orders if o.order_id != "o-4"), by_id["o-6"])
    total = plan.total_cost - by_id["o-4"].cost + by_id["o-6"].cost
    plan = plan.model_copy(update={"orders": orders, "total_cost": total})
    result = check_plan(ds, plan)
    assert [str(v) for v in result.violations] == [
        "[unknown_order] order o-99 is in the plan but not in the dataset (§6)",
        "[duplicate_order] order o-6 is planned more than once (§6)",
        "[missing_order] order o-4 is not planned (§6)",
    ]
    assert result.recomputed_orders["o-6"] == pytest.approx(2 * by_id["o-6"].cost, abs=0.01)


def test_an_order_planned_three_times_is_named_once() -> None:
    ds = dataset([order("o-1", ("A", 1))])
    plan = priced_plan(ds, {"o-1": []})
    plan = plan.model_copy(update={"orders": plan.orders * 3, "total_cost": 3 * plan.total_cost})
    assert only_message(ds, plan) == "[duplicate_order] order o-1 is planned more than once (§6)"


# --- chosen_shipment: a plan shipment as the KPIs and the re-planner read it --------------------


def plan_shipment(node_id: str, method: str, service: str, *lines: tuple[str, int]) -> Shipment:
    return Shipment(
        node_id=node_id,
        method=method,  # type: ignore[arg-type]
        service=service,
        eta_days=2,
        lines=tuple(PlanLine(line_id=lid, sku="A", qty=q) for lid, q in lines),
        billable_kg=1,
        carrier_cost=0.0,
        handling_cost=0.0,
    )


def test_a_plan_shipment_reads_back_as_its_decision() -> None:
    ds = dataset([order("o-1", ("A", 3), ("A", 1))])
    shipment = plan_shipment("S1", "parcel", "express", ("1", 1), ("2", 1), ("1", 2))
    assert chosen_shipment(ds.network, ds.orders[0], shipment) == ChosenShipment(
        ds.network.node_index["S1"], EXPRESS, {"1": 3, "2": 1}
    )
    same_day = plan_shipment("S1", "same_day", "same_day", ("2", 1))
    assert chosen_shipment(ds.network, ds.orders[0], same_day).key == SAME_DAY


@pytest.mark.parametrize(
    ("shipment", "message"),
    [
        (plan_shipment("W9", "parcel", "ground", ("1", 1)), "order o-1: unknown node 'W9'"),
        (plan_shipment("W1", "parcel", "pickup", ("1", 1)),
         "order o-1: no method 'parcel' with service 'pickup'"),
        (plan_shipment("W1", "parcel", "ground", ("1", 1), ("7", 1)), "order o-1: unknown line '7'"),
    ],
)  # fmt: skip
def test_a_plan_shipment_the_dataset_cannot_read_is_refused(
    shipment: Shipment, message: str
) -> None:
    ds = dataset([order("o-1", ("A", 3))])
    with pytest.raises(PlanMismatch) as refused:
        chosen_shipment(ds.network, ds.orders[0], shipment)
    assert str(refused.value) == message
