"""The orders file (spec §2, JSONL): each line an `Order`, checked against the network's ids."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from solver.loading.errors import ErrorLog, LoadError
from solver.loading.files import read_text
from solver.loading.messages import field_path, friendly_message, root_causes
from solver.loading.network_files import KnownIds
from solver.models import Order


def load_orders(
    path: Path, label: str, known_ids: KnownIds
) -> tuple[tuple[Order, ...], tuple[LoadError, ...]]:
    log = ErrorLog(label)
    text = read_text(path, log)
    if text is None:
        return (), log.errors()
    return parse_order_lines(text.split("\n"), known_ids, log)


def parse_order_lines(
    lines: Iterable[str], known_ids: KnownIds, log: ErrorLog
) -> tuple[tuple[Order, ...], tuple[LoadError, ...]]:
    """Spec §2, one JSON object a line; the fast path is pydantic's own JSON parser."""
    orders: list[Order] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            order = Order.model_validate_json(line, strict=True)
        except ValidationError as exc:
            _explain_invalid_order(line, number, exc, known_ids, first_line, log)
            continue
        errors_before = log.count
        _check_order_id_once(order.order_id, number, first_line, log)
        line_skus = [(i, order_line.sku) for i, order_line in enumerate(order.lines)]
        for column, message in unknown_references(order.pickup_node, line_skus, known_ids):
            log.add(number, column, message)
        if log.count == errors_before:
            orders.append(order)
    if not first_line and not log:
        log.add(None, None, "no orders (only blank lines)")
    return tuple(orders), log.errors()


def _check_order_id_once(
    order_id: str, number: int, first_line: dict[str, int], log: ErrorLog
) -> None:
    if order_id in first_line:
        log.add(
            number,
            "order_id",
            f"duplicate order_id {order_id!r} (first on line {first_line[order_id]})",
        )
    else:
        first_line[order_id] = number


def unknown_references(
    pickup_node: object, line_skus: Iterable[tuple[int, object]], known_ids: KnownIds
) -> list[tuple[str, str]]:
    """(field, message) for a pickup node or line SKU the network does not know."""
    problems = []
    nodes, skus = known_ids.node_ids, known_ids.sku_ids
    pickup_known = nodes is None or not isinstance(pickup_node, str) or pickup_node in nodes
    if pickup_node and not pickup_known:
        problems.append(("pickup_node", f"unknown node {pickup_node!r}"))
    if skus is not None:
        for i, sku in line_skus:
            if isinstance(sku, str) and sku and sku not in skus:
                problems.append((f"lines[{i}].sku", f"unknown SKU {sku!r}"))
    return problems


def _explain_invalid_order(
    line: str,
    number: int,
    exc: ValidationError,
    known_ids: KnownIds,
    first_line: dict[str, int],
    log: ErrorLog,
) -> None:
    """Every problem of a line that failed validation, the whole-order rules included."""
    try:
        content = json.loads(line)
    except json.JSONDecodeError as decode_error:
        log.add(number, None, f"invalid JSON at column {decode_error.colno}: {decode_error.msg}")
        return
    if not isinstance(content, dict):
        log.add(number, None, f"must be a JSON object (got {_json_kind(content)})")
        return
    order_id = content.get("order_id")
    if isinstance(order_id, str) and order_id:
        _check_order_id_once(order_id, number, first_line, log)
    problems = whole_order_problems(content)
    for column, message in problems:
        log.add(number, column, message)
    for error in root_causes(exc):
        if not error["loc"] and problems:
            continue  # the model's own whole-order check, already explained field by field
        log.add(number, field_path(error["loc"]), friendly_message(error, Order, got=None))
    raw_lines = content.get("lines")
    line_dicts = list(enumerate(raw_lines)) if isinstance(raw_lines, list) else []
    line_skus = [(i, item.get("sku")) for i, item in line_dicts if isinstance(item, dict)]
    for column, message in unknown_references(content.get("pickup_node"), line_skus, known_ids):
        log.add(number, column, message)


def whole_order_problems(content: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for the whole-order rules of a raw JSON order (pickup store, distinct
    line ids): what `Order`'s model validator rejects, located field by field (used by the API)."""
    problems = []
    if content.get("service") == "pickup" and not content.get("pickup_node"):
        problems.append(("pickup_node", "a pickup order needs a pickup_node (the store)"))
    raw_lines = content.get("lines")
    first_index: dict[str, int] = {}
    for i, item in enumerate(raw_lines if isinstance(raw_lines, list) else []):
        line_id = item.get("line_id") if isinstance(item, dict) else None
        if not isinstance(line_id, str) or not line_id:
            continue
        if line_id in first_index:
            problems.append(
                (
                    f"lines[{i}].line_id",
                    f"duplicate line_id {line_id!r} in this order "
                    f"(first in lines[{first_index[line_id]}])",
                )
            )
        else:
            first_index[line_id] = i
    return problems


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number"
