"""The plan checker names every rule of spec §3–§6 a plan breaks, and recomputes every cost.

Each rule test starts from plans priced by `price_order` (so their numbers are right) and breaks
exactly one rule; the checker must name that rule and the order, and nothing else.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from solver.checker import RULES, CheckResult, check_plan
from solver.deadline import Deadline
from solver.models import (
    Customer,
    Order,
    OrderLine,
    OrderPlan,
    Plan,
    PlanLine,
    Settings,
    Sku,
    StockRow,
)
from solver.network import Dataset
from solver.planfile import field_path, plan_json, read_plan, write_plan
from solver.planning import plan_dataset
from solver.pricing import (
    GROUND,
    PICKUP,
    SAME_DAY,
    TRANSFER,
    ChosenShipment,
    price_order,
)
from tests.factories import network, node, random_network, random_order

# The customer of every order is at (40.0, -74.0); nodes lie due north of them.
NODES = [
    node("W1", lat=40.5, lon=-74.0, max_orders_per_day=2, max_units_per_day=5),  # 55.6 km
    node("W2", lat=42.0, lon=-74.0),  # 222.4 km
    node("S1", "store", lat=40.1, lon=-74.0, same_day=True, same_day_radius_km=20.0,
         same_day_capacity=1),  # 11.1 km
    node("V1", "vendor", lat=40.5, lon=-74.0, dropship_fee=2.0, channels=("web",)),
    node("X", lat=40.5, lon=-74.0, active=False),
]  # fmt: skip
SKUS = [
    Sku(sku="A", weight_kg=0.5, unit_value=10.0),
    Sku(sku="B", weight_kg=1.0, unit_value=20.0),
    Sku(sku="C", weight_kg=0.3, unit_value=5.0),
    Sku(sku="H", weight_kg=12.0, unit_value=50.0),  # heavier than every rate row
]
STOCK = [
    StockRow(node_id="W1", sku="A", on_hand=5),
    StockRow(node_id="W1", sku="B", on_hand=2),
    StockRow(node_id="W2", sku="A", on_hand=5),
    StockRow(node_id="W2", sku="B", on_hand=5),
    StockRow(node_id="W2", sku="C", on_hand=5),
    StockRow(node_id="W2", sku="H", on_hand=5),
    StockRow(node_id="S1", sku="A", on_hand=2, safety_stock=1),
    StockRow(node_id="S1", sku="B", on_hand=1),
    StockRow(node_id="V1", sku="C", on_hand=10),
    StockRow(node_id="X", sku="A", on_hand=10),
]


def order(
    order_id: str,
    *lines: tuple[str, int] | tuple[str, int, str],
    service: str = "ground",
    **kw: object,
) -> Order:
    return Order(
        order_id=order_id,
        customer=Customer(lat=40.0, lon=-74.0),
        service=service,
        lines=tuple(
            OrderLine(
                line_id=str(i + 1), sku=ln[0], qty=ln[1], group=ln[2] if len(ln) > 2 else None
            )
            for i, ln in enumerate(lines)
        ),
        **kw,
    )


def dataset(orders: Sequence[Order], **settings: float) -> Dataset:
    return Dataset("hand-made", network(NODES, SKUS, STOCK, Settings(**settings)), tuple(orders))


def ship(ds: Dataset, node_id: str, key: int = GROUND, **units: int) -> ChosenShipment:
    return ChosenShipment(ds.network.node_index[node_id], key, units)


def priced_plan(ds: Dataset, decisions: Mapping[str, Sequence[ChosenShipment]]) -> Plan:
    """A plan of `decisions` (order id → shipments) with every number priced right."""
    by_id = {o.order_id: o for o in ds.orders}
    plans = tuple(price_order(ds.network, by_id[oid], chosen) for oid, chosen in decisions.items())
    total = sum(p.breakdown.total for p in plans if p.breakdown is not None)
    return Plan(dataset=ds.name, strategy="hand", total_cost=round(total, 2), orders=plans)


def replace_order(plan: Plan, order_id: str, **changes: object) -> Plan:
    orders = tuple(
        o.model_copy(update=changes) if o.order_id == order_id else o for o in plan.orders
    )
    return plan.model_copy(update={"orders": orders})


def replace_shipment(plan: Plan, order_id: str, index: int, **changes: object) -> Plan:
    (op,) = [o for o in plan.orders if o.order_id == order_id]
    shipments = list(op.shipments)
    shipments[index] = shipments[index].model_copy(update=changes)
    return replace_order(plan, order_id, shipments=tuple(shipments))


def assert_only(result: CheckResult, rule: str, order_id: str | None) -> None:
    """The checker names `rule` for `order_id`, and no other rule."""
    assert rule in RULES
    assert result.rules == {rule}, result.violations
    assert any(v.order_id == order_id for v in result.violations), result.violations


# --- a valid plan -----------------------------------------------------------------------------


def valid_dataset() -> Dataset:
    return dataset(
        [
            order("o-1", ("A", 2), ("B", 1)),
            order("o-2", ("A", 1), ("C", 2), channel="web"),
            order("o-3", ("A", 1), service="same_day"),
            order("o-4", ("B", 1), service="pickup", pickup_node="S1"),
            order("o-5", ("A", 1), ("B", 1), service="pickup", pickup_node="S1"),
            order("o-6", ("A", 1, "kit"), ("C", 1, "kit"), ("B", 2)),
        ]
    )


def valid_plan(ds: Dataset) -> Plan:
    return priced_plan(
        ds,
        {
            "o-1": [ship(ds, "W1", **{"1": 2, "2": 1})],
            "o-2": [ship(ds, "W1", **{"1": 1}), ship(ds, "V1", **{"2": 2})],
            "o-3": [ship(ds, "S1", SAME_DAY, **{"1": 1})],
            "o-4": [ship(ds, "S1", PICKUP, **{"1": 1})],
            "o-5": [ship(ds, "W2", TRANSFER, **{"1": 1})],  # line 2 stays unfilled
            "o-6": [ship(ds, "W2", **{"1": 1, "2": 1, "3": 2})],
        },
    )


def test_a_valid_hand_made_plan_passes() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    result = check_plan(ds, plan)
    assert result.ok, result.violations
    assert result.recomputed_total == pytest.approx(plan.total_cost, abs=0.005)
    assert set(result.recomputed_orders) == {o.order_id for o in ds.orders}


def test_the_recomputed_costs_are_the_pricing_modules() -> None:
    # o-1 from W1 (55.6 km, zone 1): 2 × 0.5 + 1 × 1.0 = 2 kg → ground 6.50; eta 2 ≤ 5;
    # handling 2.00 + 3 × 0.50 = 3.50. Total 10.00.
    ds = valid_dataset()
    result = check_plan(ds, valid_plan(ds))
    assert result.recomputed_orders["o-1"] == pytest.approx(10.0)


# --- costs are recomputed, never trusted ------------------------------------------------------


def test_a_total_off_by_two_cents_is_caught() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    result = check_plan(ds, plan.model_copy(update={"total_cost": plan.total_cost + 0.02}))
    assert_only(result, "wrong_total", None)


def test_a_total_within_half_a_cent_of_the_recomputed_one_passes() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    exact = check_plan(ds, plan).recomputed_total
    for total in (exact - 0.004, exact + 0.004):
        assert check_plan(ds, plan.model_copy(update={"total_cost": total})).ok


def test_a_tampered_carrier_cost_is_caught() -> None:
    ds = valid_dataset()
    plan = replace_shipment(valid_plan(ds), "o-1", 0, carrier_cost=1.0)
    assert_only(check_plan(ds, plan), "wrong_cost", "o-1")


def test_a_tampered_handling_cost_is_caught() -> None:
    ds = valid_dataset()
    plan = replace_shipment(valid_plan(ds), "o-2", 1, handling_cost=0.0)
    assert_only(check_plan(ds, plan), "wrong_cost", "o-2")


def test_a_tampered_order_cost_is_caught() -> None:
    ds = valid_dataset()
    plan = replace_order(valid_plan(ds), "o-3", cost=5.0)
    result = check_plan(ds, plan)
    assert_only(result, "wrong_cost", "o-3")
    assert "5.00" in result.violations[0].message


def test_a_tampered_breakdown_is_caught() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    (op,) = [o for o in plan.orders if o.order_id == "o-2"]
    assert op.breakdown is not None
    bad = op.breakdown.model_copy(update={"split": 0.0})
    assert_only(check_plan(ds, replace_order(plan, "o-2", breakdown=bad)), "wrong_cost", "o-2")


def test_a_wrong_eta_is_caught() -> None:
    ds = valid_dataset()
    plan = replace_shipment(valid_plan(ds), "o-1", 0, eta_days=1)
    assert_only(check_plan(ds, plan), "wrong_eta", "o-1")


def test_a_wrong_billable_weight_is_caught() -> None:
    ds = valid_dataset()
    plan = replace_shipment(valid_plan(ds), "o-1", 0, billable_kg=1)
    assert_only(check_plan(ds, plan), "wrong_billable_kg", "o-1")


def test_a_bound_above_the_total_is_caught() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    assert check_plan(ds, plan.model_copy(update={"bound": plan.total_cost})).ok
    result = check_plan(ds, plan.model_copy(update={"bound": plan.total_cost + 0.01}))
    assert_only(result, "bound", None)


# --- §5.1 stock and §5.2 capacity, over all orders --------------------------------------------


def test_stock_taken_by_two_orders_beyond_what_a_node_has_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 3)), order("o-2", ("A", 3))])
    plan = priced_plan(
        ds, {"o-1": [ship(ds, "W2", **{"1": 3})], "o-2": [ship(ds, "W2", **{"1": 3})]}
    )
    result = check_plan(ds, plan)
    assert_only(result, "stock", None)
    (v,) = result.violations
    assert "W2" in v.message and "sku A" in v.message and "over by 1" in v.message
    assert "o-1" in v.message and "o-2" in v.message


def test_safety_stock_is_never_allocated() -> None:
    # S1 has 2 A on hand, 1 of them safety stock: shipping 2 is over by 1.
    ds = dataset([order("o-1", ("A", 2), service="same_day")])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "S1", SAME_DAY, **{"1": 2})]}))
    assert_only(result, "stock", None)
    assert "safety 1" in result.violations[0].message


def test_more_shipments_than_max_orders_per_day_is_caught() -> None:
    ds = dataset([order(f"o-{i}", ("A", 1)) for i in range(3)])
    plan = priced_plan(ds, {f"o-{i}": [ship(ds, "W1", **{"1": 1})] for i in range(3)})
    result = check_plan(ds, plan)
    assert_only(result, "orders_capacity", None)
    assert "max_orders_per_day 2" in result.violations[0].message


def test_more_units_than_max_units_per_day_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 4), ("B", 2))])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "W1", **{"1": 4, "2": 2})]}))
    assert_only(result, "units_capacity", None)
    assert "over by 1" in result.violations[0].message


def two_same_day_orders_at_s1() -> tuple[Dataset, Plan]:
    """o-1 and o-2 both leave S1 (one same-day courier slot) by same-day."""
    ds = dataset(
        [order("o-1", ("A", 1), service="same_day"), order("o-2", ("B", 1), service="same_day")]
    )
    plan = priced_plan(
        ds,
        {
            "o-1": [ship(ds, "S1", SAME_DAY, **{"1": 1})],
            "o-2": [ship(ds, "S1", SAME_DAY, **{"1": 1})],
        },
    )
    return ds, plan


def test_more_same_day_shipments_than_same_day_capacity_is_caught() -> None:
    ds, plan = two_same_day_orders_at_s1()
    assert_only(check_plan(ds, plan), "same_day_capacity", None)


# --- §5.3 order rules -------------------------------------------------------------------------


def test_more_shipments_than_max_shipments_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 1), ("B", 1), max_shipments=1)])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W1", **{"1": 1}), ship(ds, "W2", **{"2": 1})]})
    assert_only(check_plan(ds, plan), "max_shipments", "o-1")


def test_a_split_shipment_under_the_minimum_value_is_caught() -> None:
    # A is worth 10.00, under min_shipment_value 15.00, in an order of two shipments.
    ds = dataset([order("o-1", ("A", 1), ("B", 1))], min_shipment_value=15.0)
    plan = priced_plan(ds, {"o-1": [ship(ds, "W1", **{"1": 1}), ship(ds, "W2", **{"2": 1})]})
    result = check_plan(ds, plan)
    assert_only(result, "split_guard", "o-1")
    assert "10.00" in result.violations[0].message


def test_the_split_guard_spares_a_single_shipment() -> None:
    ds = dataset([order("o-1", ("A", 1))], min_shipment_value=15.0)
    assert check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "W1", **{"1": 1})]})).ok


def test_a_node_serving_another_channel_is_caught() -> None:
    ds = dataset([order("o-1", ("C", 1), channel="app")])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "V1", **{"1": 1})]}))
    assert_only(result, "channel", "o-1")


def test_a_kit_split_over_two_nodes_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 1, "kit"), ("B", 1, "kit"))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W1", **{"1": 1}), ship(ds, "W2", **{"2": 1})]})
    assert_only(check_plan(ds, plan), "kit_split", "o-1")


def test_a_kit_shipped_in_part_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 2, "kit"), ("B", 1, "kit"))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 1, "2": 1})]})
    assert_only(check_plan(ds, plan), "kit_split", "o-1")


def test_a_kit_left_wholly_unfilled_is_fine() -> None:
    ds = dataset([order("o-1", ("A", 2, "kit"), ("B", 1, "kit"), ("C", 1))])
    assert check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "W2", **{"3": 1})]})).ok


# --- §5.4 methods, nodes, quantities ----------------------------------------------------------


def test_a_method_the_node_cannot_use_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 1), service="same_day")])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "W1", SAME_DAY, **{"1": 1})]}))
    assert_only(result, "method_not_allowed", "o-1")
    assert "no same-day courier" in result.violations[0].message
    assert result.recomputed_orders["o-1"] != result.recomputed_orders["o-1"]  # nan


def test_a_pickup_order_shipped_home_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 1), service="pickup", pickup_node="S1")])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "W1", GROUND, **{"1": 1})]}))
    assert_only(result, "method_not_allowed", "o-1")


def test_a_weight_without_a_rate_is_caught() -> None:
    ds = dataset([order("o-1", ("H", 1))])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 1})]}))
    assert_only(result, "no_rate", "o-1")
    assert "12 kg" in result.violations[0].message


def test_an_inactive_node_shipping_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 1))])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "X", **{"1": 1})]}))
    assert_only(result, "inactive_node", "o-1")


def test_shipping_more_than_a_lines_qty_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 2))])
    result = check_plan(ds, priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 3})]}))
    assert_only(result, "overshipped_line", "o-1")
    assert "ships 3 units, qty 2" in result.violations[0].message


def test_two_shipments_from_one_node_are_caught() -> None:
    ds = dataset([order("o-1", ("A", 1), ("B", 1))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 1}), ship(ds, "W2", **{"2": 1})]})
    assert_only(check_plan(ds, plan), "duplicate_node_shipment", "o-1")


# --- §6 the plan matches the dataset ----------------------------------------------------------


def test_unfilled_lines_inconsistent_with_the_shipments_are_caught() -> None:
    ds = valid_dataset()
    plan = replace_order(valid_plan(ds), "o-5", unfilled=())
    result = check_plan(ds, plan)
    assert_only(result, "unfilled_mismatch", "o-5")
    assert "line 2 (B): qty 1 but shipped 0 + unfilled 0" in result.violations[0].message


def test_a_dataset_order_missing_from_the_plan_is_caught() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    kept = tuple(o for o in plan.orders if o.order_id != "o-4")
    missing = next(o for o in plan.orders if o.order_id == "o-4")
    plan = plan.model_copy(update={"orders": kept, "total_cost": plan.total_cost - missing.cost})
    assert_only(check_plan(ds, plan), "missing_order", "o-4")


def test_an_order_the_dataset_lacks_is_caught() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    stranger = OrderPlan(order_id="o-99", cost=0.0)
    plan = plan.model_copy(update={"orders": (*plan.orders, stranger)})
    assert_only(check_plan(ds, plan), "unknown_order", "o-99")


def test_an_order_planned_twice_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 1))])
    plan = priced_plan(ds, {"o-1": []})
    plan = plan.model_copy(update={"orders": plan.orders * 2, "total_cost": 2 * plan.total_cost})
    assert_only(check_plan(ds, plan), "duplicate_order", "o-1")


def test_a_line_the_order_lacks_is_caught() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    extra = PlanLine(line_id="9", sku="A", qty=1)
    op = next(o for o in plan.orders if o.order_id == "o-1")
    plan = replace_shipment(plan, "o-1", 0, lines=(*op.shipments[0].lines, extra))
    assert_only(check_plan(ds, plan), "unknown_line", "o-1")


def test_a_node_the_dataset_lacks_is_caught() -> None:
    ds = valid_dataset()
    plan = replace_shipment(valid_plan(ds), "o-1", 0, node_id="W9")
    assert_only(check_plan(ds, plan), "unknown_node", "o-1")


def test_a_method_and_service_naming_no_method_is_caught() -> None:
    ds = valid_dataset()
    plan = replace_shipment(valid_plan(ds), "o-1", 0, service="pickup")
    assert_only(check_plan(ds, plan), "unknown_method", "o-1")


def test_a_plan_line_with_the_wrong_sku_is_caught() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    op = next(o for o in plan.orders if o.order_id == "o-1")
    lines = (op.shipments[0].lines[0].model_copy(update={"sku": "C"}), *op.shipments[0].lines[1:])
    assert_only(check_plan(ds, replace_shipment(plan, "o-1", 0, lines=lines)), "wrong_sku", "o-1")


def test_a_line_listed_twice_in_a_shipment_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 2))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2", **{"1": 2})]})
    halves = (PlanLine(line_id="1", sku="A", qty=1), PlanLine(line_id="1", sku="A", qty=1))
    assert_only(
        check_plan(ds, replace_shipment(plan, "o-1", 0, lines=halves)), "duplicate_line", "o-1"
    )


def test_an_empty_shipment_is_caught() -> None:
    ds = dataset([order("o-1", ("A", 1))])
    plan = priced_plan(ds, {"o-1": [ship(ds, "W2")]})
    assert_only(check_plan(ds, plan), "empty_shipment", "o-1")


def test_every_broken_rule_is_listed_not_only_the_first() -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    plan = replace_shipment(plan, "o-1", 0, carrier_cost=0.0, eta_days=0)
    plan = replace_order(plan, "o-5", unfilled=())
    plan = plan.model_copy(update={"total_cost": plan.total_cost + 1})
    result = check_plan(ds, plan)
    assert {"wrong_cost", "wrong_eta", "unfilled_mismatch", "wrong_total"} <= result.rules
    assert any(v.order_id == "o-5" for v in result.of_rule("unfilled_mismatch"))


def test_every_rule_code_names_a_spec_section() -> None:
    assert all(section.startswith("§") for section, _ in RULES.values())


# --- the strategies' plans keep every rule ----------------------------------------------------


def random_dataset(seed: int, n_orders: int = 8) -> Dataset:
    rng = random.Random(seed)
    net = random_network(rng, n_nodes=4, n_skus=3)
    orders = tuple(random_order(rng, net, f"o-{i}") for i in range(n_orders))
    return Dataset(f"random-{seed}", net, orders)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("strategy", ["optimal", "myopic", "nearest", "priority"])
def test_every_strategys_plan_passes_the_checker(strategy: str, seed: int) -> None:
    ds = random_dataset(seed)
    plan = plan_dataset(ds, strategy, Deadline(60.0))
    result = check_plan(ds, plan)
    assert result.ok, f"seed {seed}: {result.violations}"
    assert result.recomputed_total == pytest.approx(plan.total_cost, abs=0.005)
    if plan.bound is not None:
        assert plan.bound <= plan.total_cost + 0.005


# --- plan files (spec §6) ---------------------------------------------------------------------


def test_a_written_plan_reads_back_equal_and_still_passes(tmp_path: Path) -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    path = tmp_path / "plans" / "plan.json"
    write_plan(plan, path)
    again, errors = read_plan(path)
    assert errors == []
    assert again == plan
    assert check_plan(ds, again).ok
    assert [p.name for p in path.parent.iterdir()] == ["plan.json"]  # no temp file left
    first_keys = list(json.loads(path.read_text()))[:4]
    assert first_keys == ["dataset", "strategy", "total_cost", "bound"]


def test_writing_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    ds = valid_dataset()
    plan = valid_plan(ds)
    write_plan(plan, tmp_path / "a.json")
    write_plan(plan, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_a_plan_with_a_nan_cost_is_not_written(tmp_path: Path) -> None:
    ds = valid_dataset()
    plan = replace_order(valid_plan(ds), "o-1", cost=float("nan"))
    with pytest.raises(ValueError, match="non-finite"):
        write_plan(plan, tmp_path / "plan.json")
    assert list(tmp_path.iterdir()) == []


def test_reading_a_missing_plan_file_says_so(tmp_path: Path) -> None:
    plan, errors = read_plan(tmp_path / "nope.json")
    assert plan is None
    assert errors == [f"{tmp_path / 'nope.json'}: no such plan file"]


def test_reading_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"dataset": "x",\n "strategy": }\n')
    plan, errors = read_plan(path)
    assert plan is None
    assert len(errors) == 1 and "invalid JSON at line 2, column 14" in errors[0]


def test_reading_nan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"dataset": "x", "strategy": "s", "total_cost": NaN, "orders": []}')
    plan, errors = read_plan(path)
    assert plan is None and "NaN is not a JSON number" in errors[0]


def test_reading_a_bad_field_names_its_path(tmp_path: Path) -> None:
    ds = valid_dataset()
    data = json.loads(plan_json(valid_plan(ds)))
    del data["orders"][3]["shipments"][0]["node_id"]
    data["orders"][1]["shipments"][0]["method"] = "truck"
    data["total_cost"] = "a lot"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    plan, errors = read_plan(path)
    assert plan is None
    text = "\n".join(errors)
    assert "orders[3].shipments[0].node_id: Field required" in text
    assert "orders[1].shipments[0].method: Input should be" in text and "'truck'" in text
    assert "total_cost: Input should be a valid number" in text
    assert len(errors) == 3


def test_reading_a_json_list_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("[]")
    assert read_plan(path) == (None, [f"{path}: a plan is a JSON object, got list"])


def test_field_paths_read_like_python() -> None:
    assert field_path(("orders", 3, "shipments", 0, "node_id")) == "orders[3].shipments[0].node_id"
    assert field_path(()) == "(plan)"


def test_optimal_plans_without_a_deadline() -> None:
    ds = random_dataset(0)
    assert check_plan(ds, plan_dataset(ds, "optimal")).ok
