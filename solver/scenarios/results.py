"""The results of a what-if run as documents: the KPI comparison (`kpis.csv`) and the run
summary (`kpis.json`). Pure; shared by `omniroute whatif` (files) and the scenario API's
worker (S3)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver.scenarios.comparison import MetricDelta, compare
from solver.scenarios.outcome import ScenarioOutcome


@dataclass(frozen=True)
class WhatifResult:
    file: Path
    base: ScenarioOutcome
    scenarios: tuple[ScenarioOutcome, ...]
    """Every scenario but the base, in file order."""
    workers: int
    time_limit: float | None
    seconds: float

    @property
    def all(self) -> tuple[ScenarioOutcome, ...]:
        return (self.base, *self.scenarios)


def comparison(result: WhatifResult) -> list[tuple[ScenarioOutcome, list[MetricDelta]]]:
    return [(o, compare(result.base.kpis, o.kpis)) for o in result.all]


def kpis_csv(result: WhatifResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scenario", "strategy", "metric", "value", "base", "delta", "relative"])
    for outcome, deltas in comparison(result):
        for d in deltas:
            writer.writerow(
                [outcome.name, outcome.strategy, d.metric]
                + ["" if v is None else repr(float(v)) for v in (d.value, d.base, d.delta)]
                + ["" if d.relative is None else repr(d.relative)]
            )
    return buffer.getvalue()


def kpis_document(result: WhatifResult) -> dict[str, Any]:
    return {
        "scenario_file": str(result.file),
        "base": result.base.name,
        "workers": result.workers,
        "time_limit": result.time_limit,
        "seconds": round(result.seconds, 3),
        "scenarios": [
            {
                "name": outcome.name,
                "strategy": outcome.strategy,
                "description": outcome.description,
                "seconds": round(outcome.seconds, 3),
                "batches": [
                    {
                        "day": b.day,
                        "orders": b.orders,
                        "seconds": round(b.seconds, 3),
                        "total_cost": b.total_cost,
                        "notes": list(b.notes),
                    }
                    for b in outcome.batches
                ],
                "kpis": outcome.kpis.as_dict(),
                "deltas": {d.metric: d.delta for d in deltas},
            }
            for outcome, deltas in comparison(result)
        ],
    }
