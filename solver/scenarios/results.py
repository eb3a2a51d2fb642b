"""The results of a what-if run as documents: the KPI comparison (`kpis.csv`) and the run
summary (`kpis.json`). Pure; shared by `omniroute whatif` (files) and the scenario API's
worker (S3)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solver.scenarios.comparison import MetricDelta, compare, cost_range
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


HEADER = (
    *("scenario", "strategy", "metric", "value", "base", "delta", "relative"),
    *("proven_low", "proven_high", "relative_low", "relative_high", "sign_proven"),
)
"""Columns of kpis.csv; the proven_* and sign_proven ones are filled on total_cost rows (the
range the bounds prove for the difference in cost: `comparison.cost_range`)."""


def kpis_csv(result: WhatifResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for outcome, deltas in comparison(result):
        found = cost_range(result.base.kpis, outcome.kpis)
        proven = [found.low, found.high, found.relative_low, found.relative_high]
        for d in deltas:
            row = [outcome.name, outcome.strategy, d.metric]
            row += [_number(v) for v in (d.value, d.base, d.delta, d.relative)]
            if d.metric == "total_cost":  # the proven range of the cost's difference
                row += [_number(v) for v in proven] + [str(found.proven).lower()]
            else:
                row += [""] * 5
            writer.writerow(row)
    return buffer.getvalue()


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


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
                "cost_against_base": cost_range(result.base.kpis, outcome.kpis).as_dict(),
            }
            for outcome, deltas in comparison(result)
        ],
    }
