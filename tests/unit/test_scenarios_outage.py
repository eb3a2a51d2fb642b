"""The what-if change `outage_at`: a node goes offline at an hour; the orders routed before
then are re-planned against their allocation (spec §7) by the same code as any re-plan."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from solver.checker import check_plan
from solver.models import Order
from solver.network import Dataset
from solver.scenarios.changes import ScenarioInput, apply_changes
from solver.scenarios.models import OutageAt
from solver.scenarios.outages import Outage, offline, plan_outage_day, routed_before
from solver.scenarios.running import run_scenario
from tests.unit.scenario_fixtures import order, records


def at(order_: Order, clock: str, day: str = "2026-11-20") -> Order:
    return order_.model_copy(update={"created_at": f"{day}T{clock}:00Z"})


ORDERS = (
    at(order("early", qty=2), "08:00"),
    at(order("mid", sku="K2"), "12:30"),
    at(order("late", qty=3), "15:00"),
    at(order("next-day"), "09:00", day="2026-11-21"),
)
W1_AT_14 = Outage(("W1",), dt.datetime(2026, 11, 20, 14, tzinfo=dt.UTC), picked_after_hours=4)


def test_the_change_records_when_and_what_goes_offline():
    start = ScenarioInput(records(), ORDERS)
    change = OutageAt(kind="outage_at", nodes=("W1",), hour=14, picked_after_hours=4)
    changed, errors = apply_changes(start, [change], file="f.yaml", scenario="s")
    assert errors == [] and changed is not None
    assert changed.outages == (W1_AT_14,)
    assert changed.records == start.records  # nothing is closed before the run


def test_a_change_without_a_date_to_fall_on_is_refused():
    undated = tuple(o.model_copy(update={"created_at": None}) for o in ORDERS)
    change = OutageAt(kind="outage_at", nodes=("W1",), hour=14)
    _, errors = apply_changes(ScenarioInput(records(), undated), [change], file="f", scenario="s")
    assert [str(e) for e in errors] == [
        "f, scenario 's', change 1 (outage_at), field day: no order has a created_at date: give day"
    ]


def test_orders_created_before_the_outage_are_the_routed_ones():
    before, after = routed_before(ORDERS, W1_AT_14.at)
    assert [o.order_id for o in before] == ["early", "mid"]
    assert [o.order_id for o in after] == ["late", "next-day"]


def test_the_day_re_plans_the_routed_orders_and_keeps_picked_units_in_place():
    network = records().build()
    day = [o for o in ORDERS if o.created_at.startswith("2026-11-20")]
    result = plan_outage_day("s", network, day, "myopic", W1_AT_14)
    # "early" (08:00) is picked by 14:00 (4 hours before): its W1 units stay, locked.
    early = next(p for p in result.plan.orders if p.order_id == "early")
    held = result.current.of("early")
    assert held is not None and all(s.has_locks for s in held.shipments)
    assert early.moved_units == 0
    # Nothing new leaves W1 after 14:00.
    data = Dataset("s", result.network.with_current(result.current), tuple(day))
    assert check_plan(data, result.plan).ok
    for p in result.plan.orders:
        for s in p.shipments:
            if s.node_id == "W1":
                assert all(pl.locked == pl.qty for pl in s.lines), p.order_id
    assert result.plan.move_cost is not None


def test_a_run_prices_the_outage_and_keeps_the_node_offline_after_it():
    network = records().build()
    base = run_scenario("base", network, ORDERS, "myopic")
    hit = run_scenario("w1", network, ORDERS, "myopic", outages=[W1_AT_14])
    next_day = hit.batches[1].plan
    assert all(s.node_id != "W1" for p in next_day.orders for s in p.shipments)
    assert hit.kpis.move_cost is not None and hit.kpis.move_cost == pytest.approx(
        sum(b.plan.move_cost or 0.0 for b in hit.batches)
    )
    assert hit.kpis.total_cost == pytest.approx(
        sum(b.plan.total_cost for b in hit.batches), abs=0.02
    )
    assert hit.kpis.total_cost >= base.kpis.total_cost - 0.01


def test_an_outage_on_a_day_without_orders_closes_the_node_from_the_next_day():
    network = records().build()
    early = Outage(("W1",), dt.datetime(2026, 11, 19, 23, tzinfo=dt.UTC))
    run = run_scenario("s", network, ORDERS, "myopic", outages=[early])
    assert all(s.node_id != "W1" for b in run.batches for p in b.plan.orders for s in p.shipments)
    assert offline(network, ["W1"]).active[0] == False  # noqa: E712


def test_the_rules_cannot_re_plan_an_outage(tmp_path):
    from solver.scenarios.preparing import load_base, prepare_scenarios
    from solver.scenarios.reading import read_scenario_file

    demo = Path(__file__).resolve().parents[2] / "examples" / "demo"
    (tmp_path / "s.yaml").write_text(
        f"base: {{dataset: {demo}}}\n"
        "scenarios:\n"
        "  down: {strategy: nearest, changes: [{kind: outage_at, nodes: [W1], hour: 14}]}\n"
    )
    spec, errors = read_scenario_file(tmp_path / "s.yaml")
    assert spec is not None, errors
    base, _ = load_base(spec, tmp_path / "s.yaml")
    _, problems = prepare_scenarios(spec, tmp_path / "s.yaml", base)
    assert [str(p) for p in problems] == [
        "s.yaml, scenario 'down': outage_at re-plans the orders routed before it (spec §7): use "
        "strategy optimal or myopic, not nearest"
    ]


OUTAGE_FILE = """
base: {{dataset: {demo}}}
defaults: {{strategy: myopic}}
scenarios:
  w3-down-at-14:
    changes: [{{kind: outage_at, nodes: [W3], hour: 14, picked_after_hours: 4}}]
"""


def test_a_scenario_file_prices_the_outage_and_its_moves(tmp_path):
    """From the file to kpis.json: the outage's cost against the base, its move penalties and
    the orders it moved, each moved order with its reason in the day's plan file."""
    import json

    from rich.console import Console

    from omniroute.whatif import run_whatif, write_outputs

    demo = Path(__file__).resolve().parents[2] / "examples" / "demo"
    path = tmp_path / "outage.yaml"
    path.write_text(OUTAGE_FILE.format(demo=demo))
    out = tmp_path / "out"
    write_outputs(run_whatif(path, out, None, 1, Console(quiet=True)), out)

    base, down = json.loads((out / "kpis.json").read_text())["scenarios"]
    assert base["kpis"]["move_cost"] is None and base["kpis"]["orders_moved"] is None
    plan = json.loads((out / "plans" / "w3-down-at-14" / "2026-11-20.json").read_text())
    moved = [p for p in plan["orders"] if p["moved_units"] > 0]
    kpis = down["kpis"]
    assert kpis["orders_moved"] == len(moved) > 0
    assert kpis["units_moved"] == sum(p["moved_units"] for p in moved)
    assert kpis["move_cost"] > 0
    assert kpis["move_cost"] == pytest.approx(sum(p["breakdown"]["move"] for p in moved))
    assert kpis["move_cost"] == pytest.approx(plan["move_cost"])
    assert kpis["locked_units"] > 0  # orders picked by 10:00 keep their W3 units
    assert down["cost_against_base"]["delta"] == pytest.approx(
        kpis["total_cost"] - base["kpis"]["total_cost"]
    )
    assert down["cost_against_base"]["delta"] > kpis["move_cost"]  # and the detours cost more
    summary = plan["notes"][0]
    assert summary.startswith("outage of W3 at 2026-11-20 14:00 UTC: ")
    assert f"; {len(moved)} moved (node_inactive {len(moved)})" in summary
    for p in plan["orders"]:
        for s in p["shipments"]:
            if s["node_id"] == "W3":  # only picked units ship from W3 once it is down
                assert all(line["locked"] == line["qty"] for line in s["lines"]), p["order_id"]


def test_the_outage_re_plans_only_the_orders_at_the_node_with_the_workflows_code():
    network = records().build()
    day = [o for o in ORDERS if o.created_at.startswith("2026-11-20")]
    result = plan_outage_day("s", network, day, "myopic", W1_AT_14)
    changes = {c.order_id: c for c in result.replanned.orders}
    assert set(changes) == {"early", "mid"}  # routed before 14:00 and holding units at W1
    assert changes["early"].status == "kept"  # picked: its units are locked at W1
    assert changes["mid"].status == "moved" and changes["mid"].reason.code == "node_inactive"
    late = next(p for p in result.plan.orders if p.order_id == "late")
    assert all(s.node_id != "W1" for s in late.shipments) and late.moved_units == 0
    assert result.plan.total_cost == pytest.approx(sum(p.cost for p in result.plan.orders))
    assert result.plan.notes[0] == (
        "outage of W1 at 2026-11-20 14:00 UTC: 2 orders held units there; 1 moved "
        "(node_inactive 1), 1 not; 1 unit moved, 0 more backordered"
    )
