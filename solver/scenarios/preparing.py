"""Turn a scenario file into what each scenario plans: load the base, apply the changes.

The base dataset is read with `solver.loading` (the one validator of dataset files); its paths
are relative to the scenario file. Base changes apply first, to the base and every scenario.
`check_scenario_file` finds every error of a file in one round: its fields and names, the
dataset's, and the changes that do not fit the dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from solver.loading import load_dataset, load_network_records
from solver.planning import REPLAN_STRATEGIES
from solver.scenarios.changes import ScenarioInput, apply_changes
from solver.scenarios.errors import ScenarioError
from solver.scenarios.models import ScenarioFile, StrategyName
from solver.scenarios.reading import examine_scenario_file


@dataclass(frozen=True)
class PlannedScenario:
    """A scenario ready to plan (the base is one, first)."""

    name: str
    strategy: StrategyName
    description: str
    input: ScenarioInput


def base_paths(spec: ScenarioFile, file: Path) -> tuple[Path, Path | None]:
    """The dataset folder and orders file, resolved against the scenario file's folder."""
    folder = Path(file).parent
    orders = None if spec.base.orders is None else folder / spec.base.orders
    return folder / spec.base.dataset, orders


def load_base(spec: ScenarioFile, file: Path) -> tuple[ScenarioInput | None, list[ScenarioError]]:
    """The base dataset as records and orders, every loader error named under `base.dataset`."""
    label = Path(file).name
    dataset_dir, orders_path = base_paths(spec, file)
    loaded = load_dataset(dataset_dir, orders_path)
    if loaded.dataset is None:
        field = "base.orders" if orders_path is not None else "base.dataset"
        return None, [ScenarioError(label, str(err), field=field) for err in loaded.errors]
    records, errors = load_network_records(dataset_dir)
    if records is None:
        return None, [ScenarioError(label, str(err), field="base.dataset") for err in errors]
    return ScenarioInput(records, loaded.dataset.orders), []


def prepare_scenarios(
    spec: ScenarioFile,
    file: Path,
    base: ScenarioInput,
    only: str | None = None,
) -> tuple[list[PlannedScenario], list[ScenarioError]]:
    """The base (with its changes) and every scenario (or only the one named), in file order."""
    label = Path(file).name
    start, errors = apply_changes(base, spec.base.changes, file=label, scenario=spec.base.name)
    if start is None:
        return [], errors
    default = spec.defaults.strategy
    planned = [PlannedScenario(spec.base.name, default, "the base dataset", start)]
    for name, scenario in spec.scenarios.items():
        if only is not None and name != only:
            continue
        changed, problems = apply_changes(start, scenario.changes, file=label, scenario=name)
        errors += problems
        if changed is not None:
            strategy = scenario.strategy or default
            planned.append(PlannedScenario(name, strategy, scenario.description, changed))
    if only is not None:
        planned = [p for p in planned if p.name == only]
    for p in planned:
        if p.input.outages and p.strategy not in REPLAN_STRATEGIES:
            errors.append(
                ScenarioError(
                    label,
                    f"outage_at re-plans the orders routed before it (spec §7): use strategy "
                    f"{' or '.join(REPLAN_STRATEGIES)}, not {p.strategy}",
                    scenario=p.name,
                )
            )
    return (planned, []) if not errors else ([], errors)


def check_scenario_file(
    file: Path,
) -> tuple[ScenarioFile | None, list[PlannedScenario], list[ScenarioError]]:
    """The file and its scenarios ready to plan, or every error at once: the file's own (fields,
    names) and, on the part of it that can still be checked, the base dataset's and the changes
    that do not fit it; grouped by scenario (in the order first named), then by change."""
    reading = examine_scenario_file(file)
    errors = list(reading.errors)
    planned: list[PlannedScenario] = []
    if reading.checkable is not None:
        base, load_errors = load_base(reading.checkable, file)
        errors += load_errors
        if base is not None:
            planned, change_errors = prepare_scenarios(reading.checkable, file, base)
            errors += change_errors
    if errors:
        first: dict[str | None, int] = {}
        for error in errors:
            first.setdefault(error.scenario, len(first))
        return None, [], sorted(errors, key=lambda e: (first[e.scenario], e.change or 0))
    return reading.spec, planned, []
