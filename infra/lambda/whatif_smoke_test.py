"""Check the what-if worker's bundle with the runtime's Python and nothing else on sys.path:

    python3.12 -I -S infra/lambda/whatif_smoke_test.py --layer LAYER/python \
        --whatif-layer WHATIF/python --code WORKER_CODE [--runtime BOTO3_DIR] \
        [--dataset examples/demo]

It imports both scenario handlers and runs, in process (no AWS), what the worker's actions run:
the demo dataset's scenarios read from a scenario file, two days each with the rule
strategies, the KPI documents and the report (bokeh, zipcodes from the what-if layer;
solver/report/ from the code). Exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layer", required=True)
    parser.add_argument("--whatif-layer", required=True)
    parser.add_argument("--code", required=True)
    parser.add_argument("--runtime")
    parser.add_argument("--dataset", default="examples/demo")
    args = parser.parse_args()
    dataset = Path(args.dataset).resolve()
    paths = [args.code, args.whatif_layer, args.layer] + ([args.runtime] if args.runtime else [])
    sys.path[:0] = [str(Path(p).resolve()) for p in paths]

    started = time.monotonic()
    for module in ("functions.handlers.scenarios", "functions.handlers.scenario_worker"):
        importlib.import_module(module)
    from solver.report.page import render_report
    from solver.scenarios.outcome import summarise
    from solver.scenarios.preparing import load_base, prepare_scenarios
    from solver.scenarios.reading import read_scenario_file
    from solver.scenarios.results import WhatifResult, kpis_csv, kpis_document
    from solver.scenarios.running import run_scenario

    imported = time.monotonic() - started
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "scenario.json"
        file.write_text(
            json.dumps(
                {
                    "base": {
                        "dataset": str(dataset),
                        "changes": [{"kind": "spread_days", "days": 2, "seed": 1}],
                    },
                    "defaults": {"strategy": "nearest"},
                    "scenarios": {
                        "myopic": {"strategy": "myopic"},
                        "same-day-nyc": {
                            "changes": [
                                {
                                    "kind": "same_day",
                                    "enabled": True,
                                    "node_kinds": ["store"],
                                    "near": {"zip": "10001", "radius_km": 300},
                                }
                            ]
                        },
                    },
                }
            )
        )
        spec, errors = read_scenario_file(file)
        assert spec is not None, errors
        base, errors = load_base(spec, file)
        assert base is not None, errors
        planned, errors = prepare_scenarios(spec, file, base)
        assert not errors, errors
        outcomes = [
            summarise(
                run_scenario(p.name, p.input.network(), p.input.orders, p.strategy),
                p.description,
            )
            for p in planned
        ]
    result = WhatifResult(file, outcomes[0], tuple(outcomes[1:]), 1, None, 0.0)
    page = render_report(result)
    assert "map-same-day-nyc-nodes" in page and "Bokeh" in page  # the map's layer, BokehJS
    assert kpis_csv(result).startswith("scenario,strategy,metric")
    assert len(kpis_document(result)["scenarios"]) == 3
    print(
        f"what-if bundle ok: imports {imported:.2f} s, 3 scenarios planned and a "
        f"{len(page) / 1e6:.2f} MB report in {time.monotonic() - started:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
