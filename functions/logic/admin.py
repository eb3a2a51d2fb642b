"""Nodes and config documents: read, change, validated exactly as the loader validates files.

A config document (zones, rates, transit, settings) is checked by writing it, with the other
stored documents, as the dataset files into a scratch folder and running
`solver.loading.load_network` on it: the same rules, the same messages, no second validator.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from functions.dal.capacity import capacity_use, today
from functions.dal.client import ConditionFailed
from functions.dal.database import Database
from functions.dal.network_config import (
    CONFIG_NAMES,
    config_document,
    config_version,
    network_config,
    node_item,
    put_config_document,
    put_node,
)
from functions.logic.errors import Conflict, Invalid, NotFound, field_error, not_found
from functions.logic.limits import MAX_DAYS, MAX_MONEY, ROW_BOUNDS, SETTING_BOUNDS
from functions.logic.reallocation import signals
from solver import loading
from solver.models import Node, Rate, Settings, Transit, Zone

CONFIG_FILES = {
    "zones": (loading.ZONES_FILE, ("zone", "max_km")),
    "rates": (loading.RATES_FILE, ("service", "zone", "max_kg", "cost")),
    "transit": (loading.TRANSIT_FILE, ("service", "zone", "days")),
    "settings": (loading.SETTINGS_FILE, ()),
}


def node_view(db: Database, node_id: str) -> dict[str, Any]:
    node = network_config(db).node(node_id)
    if node is None:
        raise not_found("node", node_id)
    day = today()
    return {**node_item(node), "capacity_use": {"day": day, **capacity_use(db, node_id, day)}}


def update_node(db: Database, node_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    for _ in range(3):
        node = network_config(db).node(node_id)
        if node is None:
            raise not_found("node", node_id)
        try:
            updated = Node.model_validate({**node.model_dump(), **changes})
        except ValidationError as error:
            fields = [
                field_error(".".join(map(str, e["loc"])) or "body", e["msg"])
                for e in error.errors()
            ]
            raise Invalid("invalid_node", "the node would be invalid", fields) from error
        try:
            put_node(db, updated, expected=node)
        except ConditionFailed:
            continue  # changed meanwhile: merge into the fresh record
        signals.node_changed(db, node, updated)  # closed or cut: a reallocation trigger
        return node_view(db, node_id)
    raise Conflict("node_changed", f"node {node_id!r} kept changing; retry")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_document(folder: Path, name: str, document: Any) -> None:
    file_name, columns = CONFIG_FILES[name]
    path = folder / file_name
    if name == "settings":
        path.write_text(json.dumps(document))
        return
    with path.open("w", newline="") as handle:
        extra = sorted({k for row in document for k in row} - set(columns))
        writer = csv.writer(handle)
        writer.writerow([*columns, *extra])
        for row in document:
            writer.writerow([_cell(row.get(c)) for c in (*columns, *extra)])


def validate_document(db: Database, name: str, document: Any) -> list[dict[str, Any]]:
    """The loader's errors for `document` as the new `name`, with the other stored documents."""
    files = {loading.ZONES_FILE, loading.RATES_FILE, loading.TRANSIT_FILE, loading.SETTINGS_FILE}
    with tempfile.TemporaryDirectory(prefix="omniroute-config-") as tmp:
        folder = Path(tmp)
        for other in CONFIG_NAMES:
            content = document if other == name else config_document(db, other)
            if content is not None:
                _write_document(folder, other, content)
        _, errors = loading.load_network(folder)
    own_file = CONFIG_FILES[name][0]
    out = []
    for error in errors:
        if error.file not in files:
            continue  # nodes/SKUs/inventory are not part of this check
        if error.file == own_file:
            path = "rows" if name != "settings" else ""
            if error.row is not None:
                path = f"rows[{error.row - 1}]"
            if error.column:
                path = f"{path}.{error.column}" if path else error.column
            out.append(field_error(path or "body", error.message))
        else:
            out.append(field_error("body", f"breaks {error}"))
    return out


def put_config(db: Database, name: str, body: Any) -> dict[str, Any]:
    if name not in CONFIG_FILES:
        raise NotFound(
            "config_not_found", f"unknown config {name!r} (known: {', '.join(CONFIG_FILES)})"
        )
    if name == "settings":
        if not isinstance(body, dict):
            raise Invalid(
                "invalid_request", "expected a JSON object", [field_error("body", "an object")]
            )
        _check_bounds(_settings_problems(body))
        document = _merged_settings(config_document(db, "settings") or {}, body)
    elif (
        not isinstance(body, dict)
        or not isinstance(body.get("rows"), list)
        or set(body) != {"rows"}
    ):
        raise Invalid(
            "invalid_request",
            'expected {"rows": [...]}',
            [field_error("rows", "a list of row objects is required")],
        )
    else:
        document = body["rows"]
        bad = [i for i, row in enumerate(document) if not isinstance(row, dict)]
        if bad:
            raise Invalid(
                "invalid_request",
                "rows must be objects",
                [field_error(f"rows[{i}]", "must be an object") for i in bad],
            )
        # Checked before the loader runs: it builds a rate table with one column per kg.
        _check_bounds(_row_problems(name, document))
    errors = validate_document(db, name, document)
    if errors:
        raise Invalid("invalid_config", f"{name} is not valid; nothing was changed", errors)
    put_config_document(db, name, _normalised(name, document))
    return {"name": name, "version": config_version(db)}


def _merged_settings(stored: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A partial settings document changes only the weights it names (and, in
    `default_promise_days`, only the services it names); `{}` changes nothing."""
    merged = {**stored, **body}
    promises = body.get("default_promise_days")
    if isinstance(promises, dict) and isinstance(stored.get("default_promise_days"), dict):
        merged["default_promise_days"] = {**stored["default_promise_days"], **promises}
    return merged


def _number(value: Any) -> float | None:
    """A number as the loader would read it (a row cell may be text), else None (the loader
    reports what is wrong with it)."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bound_problem(path: str, value: Any, bound: float) -> dict[str, Any] | None:
    number = _number(value)
    if number is None or not math.isfinite(number):
        return None if number is None else field_error(path, "must be a finite number")
    if number > bound:
        return field_error(path, f"at most {bound:g}")
    return None


def _settings_problems(body: dict[str, Any]) -> list[dict[str, Any]]:
    problems = []
    for key, value in body.items():
        if key == "default_promise_days" and isinstance(value, dict):
            problems += [
                _bound_problem(f"default_promise_days.{service}", days, MAX_DAYS)
                for service, days in value.items()
            ]
        elif not isinstance(value, dict | list):
            problems.append(_bound_problem(key, value, SETTING_BOUNDS.get(key, MAX_MONEY)))
    return [p for p in problems if p is not None]


def _row_problems(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bounds = ROW_BOUNDS.get(name, {})
    problems = [
        _bound_problem(f"rows[{i}].{column}", row.get(column), bound)
        for i, row in enumerate(rows)
        for column, bound in bounds.items()
    ]
    return [p for p in problems if p is not None]


def _check_bounds(problems: list[dict[str, Any]]) -> None:
    if problems:
        raise Invalid("invalid_config", "numbers out of bounds; nothing was changed", problems)


def _normalised(name: str, document: Any) -> Any:
    """What the loader would have read: typed rows, settings with defaults filled in."""
    if name == "settings":
        return Settings.model_validate(document).model_dump(mode="json")
    models: dict[str, type[BaseModel]] = {"zones": Zone, "rates": Rate, "transit": Transit}
    model = models[name]
    return [
        model.model_validate({k: (None if v == "" else v) for k, v in row.items()}).model_dump(
            mode="json"
        )
        for row in document
    ]
