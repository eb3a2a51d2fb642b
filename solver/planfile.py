"""Read and write plan files (spec §6): JSON on disk, a `Plan` in memory.

Writing is atomic, with the user's normal permissions (`solver.files`), so a crash never
leaves half a plan behind. Reading never raises for a bad file: it returns the errors as
messages that name the file and the field (`orders[3].shipments[0].node_id`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from solver.files import write_text_atomic
from solver.models import OrderPlan, Plan

_INPUT_SHOWN = 60
"""Longest rendering of a bad value quoted in an error message."""


def plan_json(plan: Plan) -> str:
    """The plan as JSON text: fields in the model's (spec §6) order, one space of indent.

    The fields of spec §7 (`move_cost`, `moved_units`, `breakdown.move`, `locked`, `fences`)
    are written only when they say something, so a plan from scratch reads as in §6."""
    data = _without_unsaid(plan.model_dump(mode="python"))
    try:
        return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError as exc:
        # A NaN or infinite cost is a pricing bug upstream; JSON cannot carry it.
        raise ValueError(
            f"plan {plan.dataset!r}/{plan.strategy!r} has a non-finite number"
        ) from exc


def order_plan_data(order_plan: OrderPlan) -> dict[str, Any]:
    """One order's plan as JSON-ready data, the §7 fields only when set (as `plan_json`)."""
    data: dict[str, Any] = _without_unsaid(order_plan.model_dump(mode="json"))
    return data


_SAID_ONLY_WHEN_SET = {"move_cost", "fences", "moved_units", "move", "locked"}


def _without_unsaid(data: Any) -> Any:
    """`data` less the §7 fields that are None, at any depth."""
    if isinstance(data, dict):
        return {
            k: _without_unsaid(v)
            for k, v in data.items()
            if not (k in _SAID_ONLY_WHEN_SET and v is None)
        }
    if isinstance(data, list | tuple):
        return [_without_unsaid(v) for v in data]
    return data


def write_plan(plan: Plan, path: Path) -> None:
    """Write `plan` to `path` atomically (the folder is created if needed)."""
    write_text_atomic(path, plan_json(plan))


class _NonStandardNumber(ValueError):
    pass


def _reject_constant(name: str) -> float:
    raise _NonStandardNumber(name)


def read_plan(path: Path) -> tuple[Plan | None, list[str]]:
    """The plan in `path`, or None and every error found (never raises for a bad file)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [f"{path}: no such plan file"]
    except IsADirectoryError:
        return None, [f"{path}: is a folder, not a plan file"]
    except UnicodeDecodeError as exc:
        return None, [f"{path}: not UTF-8 text (byte {exc.start})"]
    except OSError as exc:
        return None, [f"{path}: cannot read ({exc.strerror or exc})"]
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return None, [f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
    except _NonStandardNumber as exc:
        return None, [f"{path}: invalid JSON: {exc} is not a JSON number"]
    except RecursionError:
        return None, [f"{path}: invalid JSON: nested too deeply"]
    if not isinstance(data, dict):
        return None, [f"{path}: a plan is a JSON object, got {type(data).__name__}"]
    try:
        return Plan.model_validate(data), []
    except ValidationError as exc:
        return None, [f"{path}: {_describe(error)}" for error in exc.errors()]


def field_path(loc: Sequence[int | str]) -> str:
    """`("orders", 3, "shipments", 0, "node_id")` → `orders[3].shipments[0].node_id`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(plan)"


def _describe(error: Any) -> str:
    where = field_path(error["loc"])
    message = error["msg"]
    if error["type"] in ("missing", "model_type", "model_attributes_type"):
        return f"{where}: {message}"
    shown = repr(error.get("input"))
    if len(shown) > _INPUT_SHOWN:
        shown = shown[: _INPUT_SHOWN - 3] + "..."
    return f"{where}: {message} (got {shown})"
