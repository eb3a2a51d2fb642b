"""Each kind of scenario change changes exactly what it says, and nothing else."""

from __future__ import annotations

from collections import Counter
from dataclasses import fields

import pytest
from pydantic import TypeAdapter

from solver.scenarios.changes import ChangeRejected, ScenarioInput, apply_change, apply_changes
from solver.scenarios.models import Change
from tests.unit.scenario_fixtures import CHICAGO, order, scenario_input

CHANGE = TypeAdapter(Change)


def change(**data) -> Change:
    return CHANGE.validate_python(data)


def apply(data: dict, start: ScenarioInput | None = None) -> tuple[ScenarioInput, ScenarioInput]:
    before = start or scenario_input()
    return before, apply_change(before, change(**data))


def assert_only(before: ScenarioInput, after: ScenarioInput, *changed: str) -> None:
    """Every record table other than `changed` (and the orders, unless named) is untouched."""
    for f in fields(before.records):
        if f.name not in changed:
            assert getattr(after.records, f.name) == getattr(before.records, f.name), f.name
    if "orders" not in changed:
        assert after.orders == before.orders


def nodes_by_id(inp: ScenarioInput) -> dict:
    return {n.node_id: n for n in inp.records.nodes}


def differing_nodes(before: ScenarioInput, after: ScenarioInput) -> set[str]:
    old, new = nodes_by_id(before), nodes_by_id(after)
    return {k for k in new if old.get(k) != new[k]}


# --------------------------------------------------------------------------- nodes


def test_close_nodes_deactivates_only_the_named_node():
    before, after = apply({"kind": "close_nodes", "nodes": ["W1"]})
    assert differing_nodes(before, after) == {"W1"}
    w1 = nodes_by_id(after)["W1"]
    assert not w1.active
    assert w1.model_copy(update={"active": True}) == nodes_by_id(before)["W1"]
    assert_only(before, after, "nodes")


def test_open_nodes_reactivates_closed_nodes():
    closed = apply({"kind": "close_nodes", "node_kinds": ["store"]})[1]
    assert {n.node_id for n in closed.records.nodes if not n.active} == {"S1", "S2", "S3"}
    _, reopened = apply({"kind": "open_nodes", "nodes": ["S2"]}, closed)
    assert {n.node_id for n in reopened.records.nodes if not n.active} == {"S1", "S3"}
    assert_only(closed, reopened, "nodes")


def test_near_and_nearest_select_the_closest_nodes_of_a_kind():
    before, after = apply(
        {
            "kind": "close_nodes",
            "node_kinds": ["store"],
            "near": {"zip": "10001", "radius_km": 50},
            "nearest": 1,
        }
    )
    assert differing_nodes(before, after) == {"S1"}  # S1 is 1.9 km from 10001, S2 6.1 km


def test_add_node_copies_a_template_and_stock_scaled():
    before, after = apply(
        {
            "kind": "add_node",
            "node_id": "W9",
            "like": "W2",
            "location": {"lat": 33.75, "lon": -84.39},
            "max_orders_per_day": 7,
            "stock_from": "W1",
            "stock_factor": 0.5,
        }
    )
    new = nodes_by_id(after)["W9"]
    template = nodes_by_id(before)["W2"]
    assert (new.lat, new.lon, new.max_orders_per_day) == (33.75, -84.39, 7)
    same = new.model_dump(exclude={"node_id", "lat", "lon", "max_orders_per_day"})
    assert same == template.model_dump(exclude={"node_id", "lat", "lon", "max_orders_per_day"})
    assert after.records.nodes[:-1] == before.records.nodes
    copied = {r.sku: r.on_hand for r in after.records.stock if r.node_id == "W9"}
    assert copied == {"K1": 5, "K2": 5}  # W1 holds 10 of each; half, rounded
    assert after.records.stock[: len(before.records.stock)] == before.records.stock
    assert_only(before, after, "nodes", "stock")


def test_add_node_without_a_template_needs_every_field():
    with pytest.raises(ChangeRejected) as rejected:
        apply({"kind": "add_node", "node_id": "X", "location": {"zip": "10001"}})
    assert rejected.value.field == "node_kind"


def test_add_node_by_zip_is_at_the_zip_centroid():
    _, after = apply(
        {"kind": "add_node", "node_id": "S9", "like": "S1", "location": {"zip": "60601"}}
    )
    s9 = nodes_by_id(after)["S9"]
    assert s9.lat == pytest.approx(41.88, abs=0.05) and s9.lon == pytest.approx(-87.62, abs=0.05)


def test_set_capacity_sets_scales_and_lifts_limits():
    before, after = apply(
        {"kind": "set_capacity", "nodes": ["W1"], "factor": 0.55, "max_orders_per_day": 3}
    )
    w1 = nodes_by_id(after)["W1"]
    assert (w1.max_orders_per_day, w1.max_units_per_day) == (3, 11)  # 20 × 0.55
    assert differing_nodes(before, after) == {"W1"}
    _, lifted = apply({"kind": "set_capacity", "nodes": ["W1"], "max_units_per_day": "unlimited"})
    assert nodes_by_id(lifted)["W1"].max_units_per_day is None
    assert nodes_by_id(lifted)["W1"].max_orders_per_day == 10
    assert_only(before, after, "nodes")


def test_same_day_turns_on_within_a_radius_only():
    before, after = apply(
        {
            "kind": "same_day",
            "enabled": True,
            "node_kinds": ["store"],
            "near": {"lat": 40.75, "lon": -74.0, "radius_km": 30},
            "radius_km": 25,
            "capacity": 4,
        }
    )
    assert differing_nodes(before, after) == {"S1", "S2"}  # S3 is in Chicago
    for node_id in ("S1", "S2"):
        n = nodes_by_id(after)[node_id]
        assert (n.same_day, n.same_day_radius_km, n.same_day_capacity) == (True, 25, 4)
    assert_only(before, after, "nodes")


def test_pickup_turns_off_for_the_selected_stores():
    before, after = apply({"kind": "pickup", "enabled": False, "nodes": ["S1", "S3"]})
    assert differing_nodes(before, after) == {"S1", "S3"}
    assert not any(nodes_by_id(after)[s].pickup for s in ("S1", "S3"))
    assert_only(before, after, "nodes")


# --------------------------------------------------------------------------- stock


def test_stock_scales_on_hand_of_one_sku_at_one_kind():
    before, after = apply(
        {"kind": "stock", "node_kinds": ["store"], "skus": ["K2"], "on_hand_factor": 2}
    )
    for old, new in zip(before.records.stock, after.records.stock):
        if old.node_id.startswith("S") and old.sku == "K2":
            assert new.on_hand == 2 * old.on_hand and new.safety_stock == old.safety_stock
        else:
            assert new == old
    assert_only(before, after, "stock")


def test_stock_sets_safety_stock_at_named_nodes():
    before, after = apply({"kind": "stock", "nodes": ["W2"], "safety_stock": 2})
    changed = [(o, n) for o, n in zip(before.records.stock, after.records.stock) if o != n]
    assert {n.node_id for _, n in changed} == {"W2"}
    assert all(n.safety_stock == 2 and n.on_hand == o.on_hand for o, n in changed)


# --------------------------------------------------------------------------- carriers, settings


def test_scale_rates_touches_only_the_service_and_zone():
    before, after = apply(
        {"kind": "scale_rates", "services": ["ground"], "zones": ["2"], "factor": 1.08}
    )
    for old, new in zip(before.records.rates, after.records.rates):
        if old.service == "ground" and old.zone == "2":
            assert new.cost == pytest.approx(old.cost * 1.08)
        else:
            assert new == old
    assert_only(before, after, "rates")


def test_transit_adds_days_by_service():
    before, after = apply({"kind": "transit", "services": ["express"], "add_days": 1})
    for old, new in zip(before.records.transits, after.records.transits):
        assert new.days == old.days + (old.service == "express")
    assert_only(before, after, "transits")


def test_settings_change_only_the_given_weights_and_merge_promises():
    before, after = apply(
        {"kind": "settings", "split_penalty": 1.5, "default_promise_days": {"ground": 3}}
    )
    old, new = before.records.settings, after.records.settings
    assert new.split_penalty == 1.5
    assert new.default_promise_days == {**old.default_promise_days, "ground": 3}
    assert new.model_dump(exclude={"split_penalty", "default_promise_days"}) == old.model_dump(
        exclude={"split_penalty", "default_promise_days"}
    )
    assert_only(before, after, "settings")


def test_order_rules_set_max_shipments_for_a_service():
    before, after = apply({"kind": "order_rules", "max_shipments": 1, "services": ["express"]})
    for old, new in zip(before.orders, after.orders):
        expected = 1 if old.service == "express" else old.max_shipments
        assert new == old.model_copy(update={"max_shipments": expected})
    assert_only(before, after, "orders")


# --------------------------------------------------------------------------- demand


def test_demand_volume_adds_copies_with_new_ids_deterministically():
    before, after = apply({"kind": "demand_volume", "factor": 1.5, "seed": 3})
    assert len(after.orders) == round(1.5 * len(before.orders))
    ids = [o.order_id for o in after.orders]
    assert len(set(ids)) == len(ids)
    originals = [o for o in after.orders if "~" not in o.order_id]
    assert tuple(originals) == before.orders
    for copy in (o for o in after.orders if "~" in o.order_id):
        source = next(o for o in before.orders if o.order_id == copy.order_id.split("~")[0])
        assert copy.model_copy(update={"order_id": source.order_id}) == source
    assert apply({"kind": "demand_volume", "factor": 1.5, "seed": 3})[1] == after
    assert_only(before, after, "orders")


def test_demand_volume_below_one_keeps_a_sample():
    before, after = apply({"kind": "demand_volume", "factor": 0.5})
    assert len(after.orders) == 6 and set(after.orders) <= set(before.orders)


def test_service_mix_moves_the_given_share():
    before, after = apply(
        {"kind": "service_mix", "from_service": "ground", "to_service": "express", "share": 0.5}
    )
    count = Counter(o.service for o in after.orders)
    was = Counter(o.service for o in before.orders)
    assert count["ground"] == was["ground"] - 4 and count["express"] == was["express"] + 4
    moved = [(o, n) for o, n in zip(before.orders, after.orders) if o != n]
    assert all(n.promise_days is None and n.order_id == o.order_id for o, n in moved)


def test_region_demand_boosts_only_orders_in_the_area():
    before, after = apply(
        {
            "kind": "demand_region",
            "near": {"lat": CHICAGO[0], "lon": CHICAGO[1], "radius_km": 50},
            "factor": 3,
        }
    )
    assert [o.order_id for o in after.orders if o.order_id.startswith("o-chi")] == [
        "o-chi",
        "o-chi~1",
        "o-chi~2",
    ]
    assert len(after.orders) == len(before.orders) + 2


def test_region_only_keeps_the_area():
    _, after = apply(
        {
            "kind": "demand_region",
            "near": {"lat": CHICAGO[0], "lon": CHICAGO[1], "radius_km": 50},
            "only": True,
        }
    )
    assert [o.order_id for o in after.orders] == ["o-chi"]


def test_spread_days_keeps_time_of_day_and_uses_every_day():
    before = scenario_input(tuple(order(f"o-{i}") for i in range(60)))
    _, after = apply({"kind": "spread_days", "days": 3, "seed": 1}, before)
    days = Counter(o.created_at[:10] for o in after.orders)
    assert set(days) == {"2026-11-20", "2026-11-21", "2026-11-22"}
    assert all(o.created_at[10:] == "T10:00:00Z" for o in after.orders)
    for old, new in zip(before.orders, after.orders):
        assert new.model_copy(update={"created_at": old.created_at}) == old


# --------------------------------------------------------------------------- rejected changes


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"kind": "close_nodes", "nodes": ["W1", "W7"]}, "nodes[1]", "unknown node 'W7'"),
        ({"kind": "stock", "skus": ["K9"], "on_hand": 1}, "skus[0]", "unknown SKU 'K9'"),
        ({"kind": "scale_rates", "zones": ["9"], "factor": 2}, "zones[0]", "unknown zone '9'"),
        (
            {"kind": "add_node", "node_id": "W1", "like": "W2", "location": {"zip": "10001"}},
            "node_id",
            "already exists",
        ),
        (
            {"kind": "pickup", "enabled": True, "near": {"zip": "99999", "radius_km": 5}},
            "near.zip",
            "unknown ZIP code",
        ),
        (
            {"kind": "close_nodes", "near": {"lat": 10, "lon": 10, "radius_km": 5}},
            None,
            "selects no node",
        ),
    ],
)
def test_changes_that_do_not_fit_the_dataset_are_rejected(data, field, words):
    with pytest.raises(ChangeRejected) as rejected:
        apply(data)
    assert rejected.value.field == field and words in rejected.value.message


def test_apply_changes_reports_each_rejected_change_with_its_position():
    bad = [
        change(kind="close_nodes", nodes=["W1"]),
        change(kind="close_nodes", nodes=["NOPE"]),
        change(kind="stock", skus=["K9"], on_hand=0),
    ]
    result, errors = apply_changes(scenario_input(), bad, file="w.yaml", scenario="s")
    assert result is None
    assert [str(e) for e in errors] == [
        "w.yaml, scenario 's', change 2 (close_nodes), field nodes[0]: unknown node 'NOPE'",
        "w.yaml, scenario 's', change 3 (stock), field skus[0]: unknown SKU 'K9'",
    ]
