"""Pydantic's validation errors as sentences a data author understands: what was expected
and what was found (`must be a whole number >= 0 (got '-3')`)."""

from __future__ import annotations

import json
import types
from collections.abc import Sequence
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails


def field_path(loc: Sequence[int | str]) -> str | None:
    """`('lines', 2, 'sku')` -> `lines[2].sku`; `[key]` markers of dict keys are dropped."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":
            path += f".{part}" if path else part
    return path or None


def friendly_message(
    error: ErrorDetails, model: type[BaseModel], *, got: str | None, empty_cell: bool = False
) -> str:
    """A pydantic error as a sentence saying what was expected and what was found."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "missing":
        return "is empty; a value is required" if empty_cell else "is required"
    shown = got if got is not None else _show(error.get("input"))
    if kind == "extra_forbidden":
        parent = _annotation_at(model, loc[:-1])
        known = ", ".join(parent.model_fields) if _is_model(parent) else ""
        return f"is not a known field (known: {known})" if known else "is not a known field"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "finite_number":
        return (
            f"must be a finite number (got {got if got is not None else _show(error.get('input'))})"
        )
    if loc and loc[-1] == "[key]":
        expected = _describe(_annotation_at(model, loc), ())
    else:
        expected = _expectation(model, loc) or str(error["msg"]).lower()
    return f"must be {expected} (got {shown})"


def root_causes(exc: ValidationError) -> list[ErrorDetails]:
    """The errors to show: a list is not also "too short" because its only items are invalid."""
    errors = exc.errors(include_url=False)
    inner = [tuple(e["loc"]) for e in errors]
    return [
        error
        for error in errors
        if error["type"] != "too_short"
        or not any(loc[: len(error["loc"])] == tuple(error["loc"]) != loc for loc in inner)
    ]


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _annotation_at(model: type[BaseModel], loc: Sequence[int | str]) -> Any:
    """The annotation a location of `model` is validated against (dict keys: the key type)."""
    return _walk(model, loc)[0]


def _walk(model: type[BaseModel], loc: Sequence[int | str]) -> tuple[Any, Sequence[object]]:
    annotation: Any = model
    metadata: Sequence[object] = ()
    for position, part in enumerate(loc):
        annotation = _without_none(annotation)
        args = get_args(annotation)
        if _is_model(annotation) and isinstance(part, str) and part in annotation.model_fields:
            info = annotation.model_fields[part]
            annotation, metadata = info.annotation, info.metadata
        elif get_origin(annotation) is tuple and isinstance(part, int) and args:
            annotation, metadata = args[0], ()
        elif get_origin(annotation) is dict and len(args) == 2:
            is_key = position + 1 < len(loc) and loc[position + 1] == "[key]"
            annotation, metadata = (args[0] if is_key else args[1]), ()
        elif part == "[key]":
            continue
        else:
            return None, ()
    return annotation, metadata


def _expectation(model: type[BaseModel], loc: Sequence[int | str]) -> str | None:
    annotation, metadata = _walk(model, loc)
    return None if annotation is None else _describe(annotation, metadata)


def _describe(annotation: Any, metadata: Sequence[object]) -> str:
    """What a value of this type and these constraints looks like, in words."""
    annotation = _without_none(annotation)
    origin = get_origin(annotation)
    bounds = _bounds(metadata)
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(annotation))
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return f"a whole number{bounds}"
    if annotation is float:
        return f"a number{bounds}"
    if annotation is str:
        return "non-empty text" if _min_length(metadata) else "text"
    if origin is tuple:
        return "a non-empty list" if _min_length(metadata) else "a list"
    return "an object"


def _bounds(metadata: Sequence[object]) -> str:
    limits = {
        name: getattr(m, name)
        for m in metadata
        for name in ("ge", "gt", "le", "lt")
        if hasattr(m, name)
    }
    low = ("ge", ">=") if "ge" in limits else ("gt", ">") if "gt" in limits else None
    high = ("le", "<=") if "le" in limits else ("lt", "<") if "lt" in limits else None
    if low and high and low[0] == "ge" and high[0] == "le":
        return f" between {limits['ge']:g} and {limits['le']:g}"
    return "".join(f" {sign} {limits[name]:g}" for name, sign in (b for b in (low, high) if b))


def _min_length(metadata: Sequence[object]) -> int:
    return max((getattr(m, "min_length", 0) or 0 for m in metadata), default=0)
