"""Read a scenario file (YAML) into a `ScenarioFile`, or say precisely what is wrong.

Like the dataset loader, every mistake is collected at once and none raises: each error names
the scenario, the change (its position from 1 and its kind) and the field. Field errors and
scenario names are checked together; `examine_scenario_text` also returns the part of a
faulty file that can still be checked against the dataset (`preparing.check_scenario_file`),
so even a file with field errors gets its unknown nodes reported in the same round.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from solver.planfile import field_path
from solver.scenarios.errors import ScenarioError
from solver.scenarios.models import (
    CHANGE_KINDS,
    AddNode,
    Base,
    Change,
    ChangeSettings,
    ChangeStock,
    ChangeTransit,
    CloseNodes,
    Defaults,
    OpenNodes,
    OrderRules,
    OutageAt,
    RegionDemand,
    ScaleDemand,
    ScaleRates,
    Scenario,
    ScenarioFile,
    SetCapacity,
    SetPickup,
    SetSameDay,
    ShiftServiceMix,
    SpreadDays,
)

SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""Scenario names become file names (plans/<name>/...): letters, digits, `_`, `.`, `-`."""

CHANGE_MODELS: dict[str, type[BaseModel]] = {
    "close_nodes": CloseNodes,
    "open_nodes": OpenNodes,
    "outage_at": OutageAt,
    "add_node": AddNode,
    "set_capacity": SetCapacity,
    "stock": ChangeStock,
    "same_day": SetSameDay,
    "pickup": SetPickup,
    "scale_rates": ScaleRates,
    "transit": ChangeTransit,
    "settings": ChangeSettings,
    "order_rules": OrderRules,
    "demand_volume": ScaleDemand,
    "service_mix": ShiftServiceMix,
    "demand_region": RegionDemand,
    "spread_days": SpreadDays,
}
assert tuple(CHANGE_MODELS) == CHANGE_KINDS


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (plain YAML keeps the last one silently)."""


def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} appears twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates
)


@dataclass(frozen=True)
class ScenarioFileReading:
    """What reading a scenario file found."""

    spec: ScenarioFile | None
    """The file, when it has no error."""
    errors: list[ScenarioError]
    checkable: ScenarioFile | None
    """What can still be checked against the dataset: the whole file when it is valid; else
    the base and every well-named scenario, each with its changes up to its first invalid one
    (a later change may depend on an earlier one: closing the node a faulty `add_node` was
    to add); None when the base itself, or one of its changes, is invalid."""


_CHANGE = TypeAdapter(Change)


def read_scenario_file(path: Path) -> tuple[ScenarioFile | None, list[ScenarioError]]:
    """The scenario file at `path`, or None and every error found."""
    reading = examine_scenario_file(path)
    return reading.spec, reading.errors


def examine_scenario_file(path: Path) -> ScenarioFileReading:
    path = Path(path)
    label = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return _unreadable(ScenarioError(str(path), "no such scenario file"))
    except IsADirectoryError:
        return _unreadable(ScenarioError(str(path), "is a folder, not a scenario file"))
    except UnicodeDecodeError as exc:
        message = f"is not UTF-8 text (bad byte at offset {exc.start})"
        return _unreadable(ScenarioError(label, message))
    except OSError as exc:
        return _unreadable(ScenarioError(label, f"cannot be read ({exc.strerror or exc})"))
    return examine_scenario_text(text, label)


def _unreadable(error: ScenarioError) -> ScenarioFileReading:
    return ScenarioFileReading(None, [error], None)


def parse_scenario_text(text: str, label: str) -> tuple[ScenarioFile | None, list[ScenarioError]]:
    """Parse YAML (or JSON, which is YAML) text; `label` names the source in errors."""
    reading = examine_scenario_text(text, label)
    return reading.spec, reading.errors


def examine_scenario_text(text: str, label: str) -> ScenarioFileReading:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        return _unreadable(ScenarioError(label, f"not valid YAML: {problem}", line=line))
    return examine_scenario_data(data, label)


def validate_scenario_data(
    data: object, label: str
) -> tuple[ScenarioFile | None, list[ScenarioError]]:
    """Validate already-parsed data (a dict, e.g. a JSON request body) as a scenario file."""
    reading = examine_scenario_data(data, label)
    return reading.spec, reading.errors


def examine_scenario_data(data: object, label: str) -> ScenarioFileReading:
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        message = f"a scenario file is a mapping with base and scenarios (got {kind})"
        return _unreadable(ScenarioError(label, message))
    errors = []
    try:
        parsed: ScenarioFile | None = ScenarioFile.model_validate(data)
    except ValidationError as exc:
        parsed = None
        errors = [_error_of(label, data, e) for e in exc.errors(include_url=False)]
    errors += _name_errors(label, data)
    if errors:
        return ScenarioFileReading(None, errors, _checkable_part(data))
    return ScenarioFileReading(parsed, [], parsed)


def _name_errors(label: str, data: dict[str, Any]) -> list[ScenarioError]:
    """Scenario names that cannot be file names, and a scenario named like the base (names
    that are not text at all are the field errors' to report)."""
    base = _base_name(data)
    raw = data.get("scenarios")
    names = [n for n in raw if isinstance(n, str) and n] if isinstance(raw, dict) else []
    errors = [
        ScenarioError(
            label,
            "a scenario name is letters, digits, '_', '.' or '-' (at most 64, "
            "starting with a letter or digit)",
            scenario=name,
        )
        for name in (base, *names)
        if not SCENARIO_NAME.match(name)
    ]
    if base in names:
        errors.append(ScenarioError(label, f"scenario name {base!r} is the base's name"))
    return errors


def _valid_changes(raw: object) -> tuple[tuple[Change, ...], bool]:
    """The changes up to the first invalid one, and whether that is all of them."""
    if raw is None:
        return (), True
    if not isinstance(raw, list):
        return (), False
    changes: list[Change] = []
    for item in raw:
        try:
            changes.append(_CHANGE.validate_python(item))
        except ValidationError:
            return tuple(changes), False
    return tuple(changes), True


def _checkable_part(data: dict[str, Any]) -> ScenarioFile | None:
    raw_base = data.get("base")
    if not isinstance(raw_base, dict):
        return None
    base_changes, complete = _valid_changes(raw_base.get("changes"))
    if not complete:  # every scenario starts from the base's changes
        return None
    fields = {k: raw_base[k] for k in ("dataset", "orders", "name") if k in raw_base}
    try:
        base = Base.model_validate({**fields, "changes": base_changes})
    except ValidationError:
        return None
    raw = data.get("scenarios")
    scenarios = {}
    for name, body in raw.items() if isinstance(raw, dict) else ():
        if not isinstance(name, str) or not SCENARIO_NAME.match(name) or name == base.name:
            continue
        changes, _ = _valid_changes(body.get("changes") if isinstance(body, dict) else None)
        scenarios[name] = Scenario(changes=changes)
    return ScenarioFile(base=base, scenarios=scenarios)


def _error_of(label: str, data: dict[str, Any], error: ErrorDetails) -> ScenarioError:
    loc = list(error["loc"])
    scenario: str | None = None
    model: type[BaseModel] = ScenarioFile
    if loc[:1] == ["scenarios"] and len(loc) > 1:
        scenario, loc, model = str(loc[1]), loc[2:], Scenario
        raw = _get(data, ["scenarios", scenario])
    elif loc[:1] == ["base"]:
        scenario, loc, model = _base_name(data), loc[1:], Base
        raw = data.get("base")
    elif loc[:1] == ["defaults"]:
        loc, model, raw = loc[1:], Defaults, data.get("defaults")
    else:
        raw = data
    change = change_kind = None
    if model is not ScenarioFile and loc[:1] == ["changes"] and isinstance(_at(loc, 1), int):
        position = int(loc[1])
        change = position + 1
        raw_change = _get(raw, ["changes", position])
        kind = raw_change.get("kind") if isinstance(raw_change, dict) else None
        change_kind = kind if isinstance(kind, str) else None
        loc = loc[2:]
        if loc and loc[0] == change_kind:
            loc = loc[1:]
        model = CHANGE_MODELS.get(change_kind or "", model)
    message = _message(error, model, loc)
    if error["type"] == "model_type" and change is not None and not loc:
        message = "a change is a mapping with a kind and its fields"
    return ScenarioError(
        label,
        message,
        scenario=scenario,
        change=change,
        change_kind=change_kind,
        field=_field_path(loc),
    )


def _at(loc: Sequence[int | str], i: int) -> int | str | None:
    return loc[i] if i < len(loc) else None


def _base_name(data: dict[str, Any]) -> str:
    base = data.get("base")
    name = base.get("name") if isinstance(base, dict) else None
    return name if isinstance(name, str) and name else "base"


def _get(data: object, path: Sequence[str | int]) -> Any:
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _field_path(loc: Sequence[int | str]) -> str | None:
    """`("near", "radius_km")` → `near.radius_km`; `("nodes", 0)` → `nodes[0]`."""
    parts = [part for part in loc if part != "[key]"]
    return field_path(parts) if parts else None


def _message(error: ErrorDetails, model: type[BaseModel], loc: Sequence[int | str]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return f"is not a known field (known: {', '.join(_known_fields(model, loc))})"
    if kind == "union_tag_invalid":
        tag = (error.get("ctx") or {}).get("tag")
        return f"unknown change kind {_show(tag)} (known: {', '.join(CHANGE_KINDS)})"
    if kind == "union_tag_not_found":
        return f"a change needs a kind (one of: {', '.join(CHANGE_KINDS)})"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    message = str(error["msg"])
    message = message[:1].lower() + message[1:]
    message = message.replace("input should be", "must be")
    return f"{message} (got {_show(error.get('input'))})"


def _known_fields(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Fields of the model that holds the unknown one (nested models followed by name)."""
    for part in loc[:-1]:
        if not isinstance(part, str) or part not in model.model_fields:
            break
        annotation = model.model_fields[part].annotation
        nested = [
            a
            for a in (annotation, *getattr(annotation, "__args__", ()))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if not nested:
            break
        model = nested[0]
    return list(model.model_fields)


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
