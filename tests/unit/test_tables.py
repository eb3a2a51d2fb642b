"""The what-if comparison fits the terminal: no line wider than the width, nothing cut short
("…"), every value and change shown; plain mode has no colour and no box-drawing."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from rich.console import Console

from omniroute.tables import HEADERS, SECTIONS, cell, comparison_tables
from solver.scenarios.comparison import METRICS, compare
from tests.unit.outcome_fixtures import BASE, CLOSE, kpis, load, outcome

BIG = outcome(
    "peak-demand-with-a-long-name",
    kpis(1_234_567.89, 1_200_000.0, (load("W1", 1.0, 10, 10), load("S1", 0.5, 5, 5))),
)
OUTCOMES = [BASE, CLOSE, BIG]
ROWS = [(o, compare(BASE.kpis, o.kpis)) for o in OUTCOMES]


def rendered(width: int, plain: bool) -> str:
    console = Console(width=width, record=True, force_terminal=not plain, no_color=plain)
    for table in comparison_tables(ROWS, width, plain):
        console.print(table)
    return console.export_text(styles=not plain)


def test_every_compared_kpi_is_in_exactly_one_section_with_a_header():
    listed = [m for _, metrics in SECTIONS for m in metrics]
    assert sorted(listed) == sorted(m for m, _ in METRICS)
    assert set(HEADERS) == set(listed)


@pytest.mark.parametrize("width", [80, 100, 132])
@pytest.mark.parametrize("plain", [False, True])
def test_the_tables_fit_the_width_and_cut_nothing(width, plain):
    text = rendered(width, plain)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text
    for k, (_, deltas) in enumerate(ROWS):
        for metric, delta in zip((m for m, _ in METRICS), deltas, strict=True):
            shown = cell(metric, delta, is_base=k == 0)
            assert shown.value in text, metric
            assert shown.change in text, metric
    assert "+1,234,527.89 (+3,086,319.7 %)" in text  # the total's change and its share


def test_a_section_too_wide_for_80_columns_is_split_and_repeats_the_scenarios():
    tables = comparison_tables(ROWS, 80)
    titles = [str(t.title) for t in tables]
    assert "Cost per part (1/2)" in titles and "Cost per part (2/2)" in titles
    assert all(t.columns[0].header == "scenario" for t in tables)
    assert len(comparison_tables(ROWS, 200)) == len(SECTIONS)  # wide enough: one per section


def test_plain_mode_has_no_colour_and_no_box_drawing():
    text = rendered(80, plain=True)
    assert "\x1b" not in text
    assert not re.search("[\u2500-\u257f]", text)


def test_changes_say_better_or_worse():
    deltas = dict(zip((m for m, _ in METRICS), compare(BASE.kpis, CLOSE.kpis), strict=True))
    assert cell("total_cost", deltas["total_cost"], False).sense == "worse"
    assert cell("total_cost", deltas["total_cost"], False).change == "+8.00 (+20.0 %)"
    assert cell("orders", deltas["orders"], False) == cell("orders", deltas["orders"], True)


def test_the_re_planning_section_is_left_out_when_no_scenario_re_plans():
    unset = {"move_cost": None, "orders_moved": None}
    plain = [replace(o, kpis=o.kpis.model_copy(update=unset)) for o in OUTCOMES]
    rows = [(o, compare(plain[0].kpis, o.kpis)) for o in plain]
    titles = [str(t.title) for t in comparison_tables(rows, 200)]
    assert "Re-planning (spec §7)" not in titles and len(titles) == len(SECTIONS) - 1
    assert "Re-planning (spec §7)" in [str(t.title) for t in comparison_tables(ROWS, 200)]
