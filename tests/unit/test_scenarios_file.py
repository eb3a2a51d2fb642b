"""Scenario files: the example parses; bad files name the scenario, the change and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniroute.whatif import check_file
from solver.scenarios.models import CHANGE_KINDS, ScaleDemand, SetSameDay
from solver.scenarios.reading import parse_scenario_text, read_scenario_file

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def errors_of(text: str) -> list[str]:
    spec, errors = parse_scenario_text(text, "w.yaml")
    assert spec is None
    return [str(e) for e in errors]


def test_the_example_file_reads_and_every_change_applies_to_the_demo():
    spec, errors = read_scenario_file(EXAMPLES / "demo.yaml")
    assert errors == [] and spec is not None
    assert list(spec.scenarios)[:2] == ["nearest-rule", "close-memphis"]
    assert spec.scenarios["nearest-rule"].strategy == "nearest"
    same_day = spec.scenarios["same-day-10-stores"].changes[0]
    assert isinstance(same_day, SetSameDay) and same_day.nearest == 10
    assert isinstance(spec.scenarios["peak-demand"].changes[0], ScaleDemand)
    checked, sizes, problems = check_file(EXAMPLES / "demo.yaml")
    assert problems == [] and checked is not None
    assert sizes["base"] == (200, 3) and sizes["peak-demand"] == (300, 3)


BASE = "base: {dataset: ../demo}\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "scenarios:\n  s1:\n    changes:\n      - {kind: close_nodes}\n",
            "w.yaml, scenario 's1', change 1 (close_nodes): say which nodes: give nodes, "
            "node_kinds or near",
        ),
        (
            "scenarios:\n  s1:\n    changes:\n      - {kind: scale_rates, factor: -1}\n",
            "w.yaml, scenario 's1', change 1 (scale_rates), field factor: "
            "must be greater than or equal to 0 (got -1)",
        ),
        (
            "scenarios:\n  peak:\n    changes:\n      - {kind: demand_volume, factor: 2}\n"
            "      - {kind: set_capacity, nodes: [W1], max_orders_per_day: lots}\n",
            "w.yaml, scenario 'peak', change 2 (set_capacity), field max_orders_per_day: "
            "must be a whole number >= 0 or unlimited",
        ),
        (
            "scenarios:\n  s1:\n    changes:\n      - {kind: teleport, nodes: [W1]}\n",
            "w.yaml, scenario 's1', change 1 (teleport): unknown change kind 'teleport' "
            f"(known: {', '.join(CHANGE_KINDS)})",
        ),
        (
            "scenarios:\n  s1:\n    changes:\n      - {nodes: [W1]}\n",
            "w.yaml, scenario 's1', change 1: a change needs a kind "
            f"(one of: {', '.join(CHANGE_KINDS)})",
        ),
        (
            "scenarios:\n  s1:\n    changes:\n      - {kind: pickup, nodes: [S001], enable: true}\n",
            "w.yaml, scenario 's1', change 1 (pickup), field enabled: is required",
        ),
        (
            "scenarios:\n  s1:\n    changes:\n"
            "      - {kind: same_day, enabled: true, near: {zip: '10001', radius: 5}}\n",
            "w.yaml, scenario 's1', change 1 (same_day), field near.radius_km: is required",
        ),
        (
            "scenarios:\n  s1:\n    strategy: fastest\n",
            "w.yaml, scenario 's1', field strategy: must be 'optimal', 'myopic', 'nearest' "
            "or 'priority' (got 'fastest')",
        ),
        ("scenarios:\n  'bad name/x': {}\n", "w.yaml, scenario 'bad name/x': a scenario name"),
        (
            "scenarios:\n  s1: {}\n  s1: {}\n",
            "w.yaml, line 4: not valid YAML: key 's1' appears twice",
        ),
        ("scenarios: [\n", "w.yaml, line 3: not valid YAML"),
    ],
)
def test_bad_scenario_files_name_the_scenario_change_and_field(body, expected):
    errors = errors_of(BASE + body)
    assert any(e.startswith(expected) for e in errors), errors


def test_an_unknown_field_lists_the_known_ones():
    errors = errors_of(
        BASE
        + "scenarios:\n  s1:\n    changes:\n      - {kind: pickup, nodes: [S1], enabled: true, radius: 3}\n"
    )
    assert errors == [
        "w.yaml, scenario 's1', change 1 (pickup), field radius: is not a known field "
        "(known: nodes, node_kinds, near, nearest, kind, enabled)"
    ]


def test_base_changes_are_named_under_the_base():
    errors = errors_of("base: {dataset: x, changes: [{kind: spread_days, days: 0}]}\n")
    assert errors == [
        "w.yaml, scenario 'base', change 1 (spread_days), field days: "
        "must be greater than or equal to 1 (got 0)"
    ]


def test_not_a_mapping_is_an_error():
    assert errors_of("- 1\n- 2\n") == [
        "w.yaml: a scenario file is a mapping with base and scenarios (got list)"
    ]


def test_changes_that_do_not_fit_the_dataset_are_reported_before_anything_runs(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(
        f"base: {{dataset: {EXAMPLES.parent / 'demo'}}}\n"
        "scenarios:\n  close:\n    changes:\n      - {kind: close_nodes, nodes: [W1, W99]}\n"
        "  stock:\n    changes:\n      - {kind: stock, skus: [NOPE], on_hand: 1}\n"
    )
    spec, _, problems = check_file(path)
    assert spec is None
    assert problems == [
        "w.yaml, scenario 'close', change 1 (close_nodes), field nodes[1]: unknown node 'W99'",
        "w.yaml, scenario 'stock', change 1 (stock), field skus[0]: unknown SKU 'NOPE'",
    ]


def test_a_missing_base_dataset_is_named(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("base: {dataset: nowhere}\n")
    _, _, problems = check_file(path)
    assert len(problems) == 1
    assert problems[0].startswith("w.yaml, field base.dataset: ")
    assert "dataset folder not found" in problems[0]


def test_the_command_lists_every_problem_and_runs_nothing(tmp_path):
    from typer.testing import CliRunner

    from omniroute.cli import app

    path = tmp_path / "w.yaml"
    path.write_text(
        f"base: {{dataset: {EXAMPLES.parent / 'demo'}}}\n"
        "scenarios:\n  s1:\n    changes:\n      - {kind: close_nodes, nodes: [W1, W99]}\n"
        "      - {kind: scale_rates, factor: -2}\n"
    )
    result = CliRunner().invoke(app, ["whatif", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "2 problem(s)" in result.output
    assert "scenario 's1', change 1 (close_nodes), field nodes[1]: unknown node" in result.output
    assert "scenario 's1', change 2 (scale_rates), field factor" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_every_error_of_a_file_is_reported_in_one_round(tmp_path):
    """Fields, names and the dataset together, not field errors first and the rest after a fix."""
    path = tmp_path / "w.yaml"
    path.write_text(
        f"base: {{dataset: {EXAMPLES.parent / 'demo'}, name: start}}\n"
        "scenarios:\n"
        "  close:\n    changes:\n      - {kind: close_nodes, nodes: [W99]}\n"
        "      - {kind: scale_rates, factor: -2}\n"
        "      - {kind: close_nodes, nodes: [W98]}\n"  # after a bad change: not dataset-checked
        "  'bad name/x': {}\n"
        "  start: {}\n"
        "  fine:\n    strategy: fastest\n    changes:\n      - {kind: stock, skus: [NOPE], on_hand: 1}\n"
    )
    spec, _, problems = check_file(path)
    assert spec is None
    assert problems == [
        "w.yaml, scenario 'close', change 1 (close_nodes), field nodes[0]: unknown node 'W99'",
        "w.yaml, scenario 'close', change 2 (scale_rates), field factor: "
        "must be greater than or equal to 0 (got -2)",
        "w.yaml, scenario 'fine', field strategy: must be 'optimal', 'myopic', 'nearest' "
        "or 'priority' (got 'fastest')",
        "w.yaml, scenario 'fine', change 1 (stock), field skus[0]: unknown SKU 'NOPE'",
        "w.yaml, scenario 'bad name/x': a scenario name is letters, digits, '_', '.' or '-' "
        "(at most 64, starting with a letter or digit)",
        "w.yaml: scenario name 'start' is the base's name",
    ]


def test_a_faulty_base_change_stops_the_dataset_checks_of_every_scenario(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(
        f"base: {{dataset: {EXAMPLES.parent / 'demo'}, changes: [{{kind: spread_days, days: 0}}]}}\n"
        "scenarios:\n  close:\n    changes:\n      - {kind: close_nodes, nodes: [W99]}\n"
    )
    _, _, problems = check_file(path)
    assert problems == [
        "w.yaml, scenario 'base', change 1 (spread_days), field days: "
        "must be greater than or equal to 1 (got 0)"
    ]
