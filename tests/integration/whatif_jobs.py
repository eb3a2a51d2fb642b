"""A small what-if scenario file on the demo dataset, and its KPIs computed in process with
`solver.scenarios` (what the API's jobs must reproduce)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from omniroute.local.stack import DEFAULT_DATASET
from solver.scenarios.preparing import load_base, prepare_scenarios
from solver.scenarios.reading import read_scenario_file
from solver.scenarios.running import run_scenario

TIMING = ("solve_seconds",)
"""KPIs that measure how long the run took, not what it planned."""


def small_scenarios(dataset: str = "demo") -> dict[str, Any]:
    """Base + two scenarios over two days, with the fast rule strategies."""
    return {
        "base": {"dataset": dataset, "changes": [{"kind": "spread_days", "days": 2, "seed": 3}]},
        "defaults": {"strategy": "nearest", "time_limit": 30},
        "scenarios": {
            "myopic": {"description": "per-order optimum", "strategy": "myopic"},
            "close-w1": {"changes": [{"kind": "close_nodes", "nodes": ["W1"]}]},
        },
    }


OUTAGE = {"kind": "outage_at", "nodes": ["W3"], "hour": 14, "picked_after_hours": 4}
"""W3 goes down at 14:00 on the run's first day; orders routed 4 hours before are picked."""


def outage_scenarios(dataset: str = "demo") -> dict[str, Any]:
    """Base + W3 down part-way through the first of two days, re-planned (spec §7) by myopic
    and by optimal; W3 stays down on the second day."""
    return {
        "base": {"dataset": dataset, "changes": [{"kind": "spread_days", "days": 2, "seed": 3}]},
        "defaults": {"strategy": "myopic"},
        "scenarios": {
            "w3-down": {"description": "W3 down at 14:00", "changes": [OUTAGE]},
            "w3-down-optimal": {"strategy": "optimal", "changes": [OUTAGE]},
        },
    }


def whatif_kpis(body: dict[str, Any], folder: Path) -> dict[str, dict[str, Any]]:
    """scenario -> KPIs (timing left out) of `omniroute whatif` on the file, on the demo."""
    from rich.console import Console

    from omniroute.whatif import run_whatif

    local = json.loads(json.dumps(body))
    local["base"]["dataset"] = str(DEFAULT_DATASET)
    file = folder / "whatif.json"
    file.write_text(json.dumps(local))
    result = run_whatif(file, folder / "out", None, 1, Console(quiet=True), quiet=True)
    return {s.name: planned_kpis(s.kpis.as_dict()) for s in (result.base, *result.scenarios)}


def planned_kpis(kpis: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kpis.items() if k not in TIMING}


def in_process_kpis(body: dict[str, Any], folder: Path) -> dict[str, dict[str, Any]]:
    """scenario -> KPIs (timing left out), run with solver.scenarios on the demo dataset."""
    local = json.loads(json.dumps(body))
    local["base"]["dataset"] = str(DEFAULT_DATASET)  # absolute: wins over the file's folder
    file = folder / "scenarios.json"
    file.write_text(json.dumps(local))
    spec, errors = read_scenario_file(file)
    assert spec is not None, errors
    base, errors = load_base(spec, file)
    assert base is not None, errors
    planned, errors = prepare_scenarios(spec, file, base)
    assert not errors
    return {
        p.name: planned_kpis(
            run_scenario(p.name, p.input.network(), p.input.orders, p.strategy).kpis.as_dict()
        )
        for p in planned
    }
