"""Running scenarios: daily batches carry stock over and reset capacity; a closed node gets
nothing; a scenario without changes matches the base; the KPI deltas add up."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from omniroute.whatif import kpis_csv, run_whatif, write_outputs
from solver.loading import load_dataset
from solver.scenarios.batching import carry_stock, daily_batches, period_network
from solver.scenarios.comparison import METRICS, compare, metric_values
from solver.scenarios.running import run_scenario, seconds_per_order
from tests.unit.scenario_fixtures import order, records

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


def one_warehouse(on_hand: int, max_orders: int | None = None):
    """W1 alone in New York with `on_hand` units of K1 and no safety stock."""
    recs = records()
    w1 = recs.nodes[0].model_copy(
        update={"max_orders_per_day": max_orders, "max_units_per_day": None}
    )
    stock = tuple(
        r.model_copy(update={"on_hand": on_hand, "safety_stock": 0})
        for r in recs.stock
        if r.node_id == "W1"
    )
    return replace(recs, nodes=(w1,), stock=stock).build()


def shipped_by_day(run) -> dict[str, int]:
    return {
        b.day: sum(line.qty for o in b.plan.orders for s in o.shipments for line in s.lines)
        for b in run.batches
    }


def test_orders_are_batched_by_the_day_they_were_created():
    orders = [order("a", day="2026-11-21"), order("b", day="2026-11-20"), order("c")]
    undated = order("d").model_copy(update={"created_at": None})
    batches = daily_batches([*orders, undated])
    assert [(b.day, [o.order_id for o in b.orders]) for b in batches] == [
        ("2026-11-20", ["b", "c"]),
        ("2026-11-21", ["a"]),
        ("undated", ["d"]),
    ]


def test_day_two_cannot_use_the_stock_day_one_took():
    network = one_warehouse(on_hand=3)
    orders = [order("d1", qty=2), order("d2", qty=2, day="2026-11-21")]
    run = run_scenario("s", network, orders, "myopic")
    # Day 2 finds the 1 unit day 1 left (3 − 2), not a fresh 3.
    assert shipped_by_day(run) == {"2026-11-20": 2, "2026-11-21": 1}
    assert run.kpis.unfilled_units == 1
    alone = run_scenario("s", network, [order("d2", qty=2, day="2026-11-21")], "myopic")
    assert shipped_by_day(alone) == {"2026-11-21": 2}


def test_capacity_resets_every_day():
    network = one_warehouse(on_hand=10, max_orders=1)
    one_day = run_scenario("s", network, [order("a"), order("b")], "myopic")
    assert shipped_by_day(one_day) == {"2026-11-20": 1}
    two_days = run_scenario("s", network, [order("a"), order("b", day="2026-11-21")], "myopic")
    assert shipped_by_day(two_days) == {"2026-11-20": 1, "2026-11-21": 1}
    # Utilisation is measured against the capacity of both days: 2 orders of 2.
    assert two_days.kpis.utilisation_max == pytest.approx(1.0)


def test_carry_stock_takes_what_the_plan_shipped_and_nothing_else():
    network = one_warehouse(on_hand=5)
    run = run_scenario("s", network, [order("a", qty=2, sku="K2")], "myopic")
    after = carry_stock(network, run.batches[0].plan)
    k1, k2 = network.sku_index["K1"], network.sku_index["K2"]
    assert after.on_hand[0, k2] == 3 and after.on_hand[0, k1] == 5
    assert np.array_equal(after.safety_stock, network.safety_stock)
    assert after.nodes == network.nodes and network.on_hand[0, k2] == 5


def test_period_network_multiplies_daily_limits():
    network = records().build()
    period = period_network(network, 3)
    w1 = period.nodes[0]
    assert (w1.max_orders_per_day, w1.max_units_per_day) == (30, 60)
    assert period.nodes[1].max_orders_per_day is None
    assert np.array_equal(period.on_hand, network.on_hand)


def test_a_closed_node_receives_nothing():
    loaded = load_dataset(DEMO)
    assert loaded.dataset is not None
    data = loaded.dataset
    base = run_scenario("base", data.network, data.orders, "myopic")
    busiest = max(base.kpis.node_loads, key=lambda load: load.units).node_id
    closed_nodes = tuple(
        n.model_copy(update={"active": False}) if n.node_id == busiest else n
        for n in data.network.nodes
    )
    closed = replace(data.network, nodes=closed_nodes)
    run = run_scenario("closed", closed, data.orders, "myopic")
    shipped_from = {s.node_id for p in run.plans for o in p.orders for s in o.shipments}
    assert busiest not in shipped_from and busiest in {
        s.node_id for p in base.plans for o in p.orders for s in o.shipments
    }


def test_seconds_per_order_lets_the_busiest_worker_finish():
    # Jobs of 300, 200, 200, 100 orders on 2 workers: 300+100 and 200+200 → 400 orders.
    assert seconds_per_order(100.0, [200, 300, 100, 200], 2) == pytest.approx(0.25)
    assert seconds_per_order(100.0, [50], 4) == pytest.approx(2.0)


SCENARIOS = """
base: {{dataset: {demo}, changes: [{{kind: spread_days, days: 2, seed: 4}}]}}
defaults: {{strategy: myopic}}
scenarios:
  renamed: {{description: the base under another name}}
  no-op:
    changes:
      - {{kind: scale_rates, factor: 1.0}}
      - {{kind: stock, on_hand_factor: 1.0}}
  fewer-warehouses:
    changes:
      - {{kind: close_nodes, nodes: [W1, W2]}}
"""


@pytest.fixture(scope="module")
def whatif_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whatif")
    path = folder / "w.yaml"
    path.write_text(SCENARIOS.format(demo=DEMO))
    out = folder / "out"
    result = run_whatif(path, out, None, 2, Console(quiet=True))
    write_outputs(result, out)
    return result, out


def test_a_scenario_without_changes_gives_the_base_kpis(whatif_run):
    result, _ = whatif_run
    base = metric_values(result.base.kpis)
    for outcome in result.scenarios[:2]:
        values = metric_values(outcome.kpis)
        assert {m: v for m, v in values.items() if m != "solve_seconds"} == {
            m: v for m, v in base.items() if m != "solve_seconds"
        }, outcome.name
    assert result.scenarios[2].kpis.total_cost != result.base.kpis.total_cost


def test_kpi_deltas_add_up(whatif_run):
    result, out = whatif_run
    for outcome in result.all:
        for row in compare(result.base.kpis, outcome.kpis):
            if row.delta is not None:
                assert row.value == pytest.approx(row.base + row.delta)
    with (out / "kpis.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(METRICS) * 4
    for row in rows:
        if row["delta"]:
            assert float(row["value"]) == pytest.approx(float(row["base"]) + float(row["delta"]))
    assert (out / "kpis.csv").read_text() == kpis_csv(result)


def test_the_run_writes_every_plan_and_the_kpis(whatif_run):
    _, out = whatif_run
    document = json.loads((out / "kpis.json").read_text())
    assert [s["name"] for s in document["scenarios"]] == [
        "base",
        "renamed",
        "no-op",
        "fewer-warehouses",
    ]
    for scenario in document["scenarios"]:
        days = [b["day"] for b in scenario["batches"]]
        assert days == ["2026-11-20", "2026-11-21"]
        for day in days:
            plan = json.loads((out / "plans" / scenario["name"] / f"{day}.json").read_text())
            assert plan["strategy"] == "myopic"
        assert scenario["kpis"]["orders"] == 200
    fewer = document["scenarios"][3]
    assert fewer["deltas"]["total_cost"] == pytest.approx(
        fewer["kpis"]["total_cost"] - document["scenarios"][0]["kpis"]["total_cost"]
    )
    assert (out / "report.html").stat().st_size > 10_000


def test_every_daily_plan_file_passes_the_checker_on_its_day(whatif_run):
    from solver.checker import check_plan
    from solver.planfile import read_plan
    from solver.scenarios.preparing import load_base, prepare_scenarios
    from solver.scenarios.reading import read_scenario_file
    from solver.scenarios.running import replay_days

    result, out = whatif_run
    spec, _ = read_scenario_file(result.file)
    base, _ = load_base(spec, result.file)
    planned, _ = prepare_scenarios(spec, result.file, base)
    for scenario in planned:
        days = [b.day for b in next(o for o in result.all if o.name == scenario.name).batches]
        plans = [read_plan(out / "plans" / scenario.name / f"{day}.json")[0] for day in days]
        network = scenario.input.network()
        datasets = replay_days(scenario.name, network, scenario.input.orders, plans)
        for dataset, plan in zip(datasets, plans):
            report = check_plan(dataset, plan)
            assert report.ok, (dataset.name, report)
