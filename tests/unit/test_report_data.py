"""The report's data contract (solver/report/data.py) on the hand-made outcomes of
`outcome_fixtures` (their figures are in its docstring), and how deltas read."""

from __future__ import annotations

import pytest

from solver.report import data
from solver.report.formatting import format_delta, format_value
from solver.scenarios.flows import Flow
from tests.unit.outcome_fixtures import BASE, CLOSE, outcome


def test_cost_rows_are_per_order_and_carry_the_bound_when_known():
    base, close = data.cost_rows([BASE, CLOSE])
    assert (base.per_order, base.bound_per_order) == (10.0, 9.5)
    assert base.parts["carrier_cost"] == 7.0 and base.parts["handling_cost"] == 2.0
    assert sum(base.parts.values()) == pytest.approx(base.per_order)
    assert (close.per_order, close.bound, close.bound_per_order) == (12.0, None, None)


def test_a_re_plans_move_penalties_are_the_last_part_of_its_cost_bar():
    # The base's parts (28 carrier, 8 handling, 4 unfilled) plus 6.00 of move penalties (§7).
    outage = outcome("outage", BASE.kpis.model_copy(update={"total_cost": 46.0, "move_cost": 6.0}))
    plain = outcome("plain", BASE.kpis.model_copy(update={"move_cost": None}))  # re-plans nothing
    moved, kept = data.cost_rows([outage, plain])
    assert list(moved.parts)[-1] == "move_cost" and moved.parts["move_cost"] == 1.5
    assert sum(moved.parts.values()) == pytest.approx(moved.per_order) == 11.5
    assert kept.parts["move_cost"] == 0.0
    assert sum(kept.parts.values()) == pytest.approx(kept.per_order)


def test_busiest_nodes_are_the_limited_ones_that_shipped_busiest_first():
    assert [x.node_id for x in data.busiest_nodes(BASE)] == ["S1", "W1"]  # S2 unlimited, S3 idle
    assert [x.node_id for x in data.busiest_nodes(BASE, 1)] == ["S1"]


def test_the_utilisation_grid_has_every_scenarios_busiest_nodes_in_every_scenario():
    rows, cells = data.utilisation_grid([BASE, CLOSE], count=1)
    assert rows == ["S1"]  # the busiest of each scenario
    rows, cells = data.utilisation_grid([BASE, CLOSE])
    assert rows == ["S1", "W1", "S2"]  # by peak utilisation: 100 %, 50 %, 20 %
    grid = {(c.scenario, c.node_id): c for c in cells}
    assert len(grid) == 6
    assert grid[("close", "W1")].active is False and grid[("close", "W1")].utilisation is None
    assert grid[("base", "S2")].utilisation is None  # unlimited in the base
    assert (grid[("close", "S1")].shipments, grid[("close", "S1")].max_orders) == (10, 10)


def test_a_map_draws_the_biggest_flows_and_says_how_much_they_carry():
    flows = [Flow("W1", 40.0, -74.0 - k, units) for k, units in enumerate([1, 5, 3, 5])]
    shown = data.map_flows(outcome("base", BASE.kpis, flows=flows), limit=2)
    assert [f.units for f in shown.flows] == [5, 5]
    assert (shown.total, shown.units_shown, shown.units_total) == (4, 10, 14)
    assert data.map_flows(outcome("base", BASE.kpis, flows=flows)).units_shown == 14


def test_wider_flows_and_bigger_nodes_carry_more_units():
    assert data.flow_width(0, 0) == 0.5
    assert data.flow_width(1, 100) < data.flow_width(25, 100) < data.flow_width(100, 100) == 6.0
    assert data.node_size(0, 100) < data.node_size(100, 100)


@pytest.mark.parametrize(
    ("metric", "delta", "shown"),
    [
        ("unfilled_share", -0.0004, ""),  # was "-0.0 pt"
        ("unfilled_share", -1e-17, ""),
        ("unfilled_share", 0.0, ""),
        ("unfilled_share", -0.0012, "-0.1 pt"),
        ("unfilled_share", 0.031, "+3.1 pt"),
        ("total_cost", -0.004, ""),
        ("total_cost", -1234.5, "-1,234.50"),
        ("shipments", 0, ""),
        ("shipments", -3, "-3"),
        ("km_per_unit", 0.001, ""),
        ("orders", None, ""),
    ],
)
def test_a_delta_reads_with_its_sign_or_not_at_all(metric, delta, shown):
    assert format_delta(metric, delta) == shown


def test_values_read_with_their_unit():
    assert format_value("unfilled_share", 0.345) == "34.5 %"
    assert format_value("total_cost", 9273.131) == "9,273.13"
    assert format_value("shipments", 171.0) == "171"
    assert format_value("gap", None) == "—"
