"""Stock levels from outside: absolute levels from a WMS/POS feed, deltas, and reading a SKU's
stock by node. Reservations never go through here (see `reservations.py`), and a level change
keeps what is reserved: `available = on_hand - safety - reserved` is recomputed in the same
conditional update."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.api.limits import MAX_ADJUSTMENT_SKUS
from functions.catalog import stock_level
from functions.dynamo import cancellation_codes, encode, error_code
from functions.errors import ApiError, field_error, not_found
from functions.order_service import Outcome
from functions.store import Store
from solver.models import StockRow

WRITE_ATTEMPTS = 5


def _reference_errors(
    store: Store, rows: Sequence[tuple[str, str]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Unknown nodes or SKUs, and duplicate (node, sku) rows, per row; and the SKU items."""
    config = store.network_config()
    items = store.stock_items(sku for _, sku in rows)
    errors: list[dict[str, Any]] = []
    first: dict[tuple[str, str], int] = {}
    for i, (node_id, sku) in enumerate(rows):
        if config.node(node_id) is None:
            errors.append(field_error(f"rows[{i}].node_id", f"unknown node {node_id!r}"))
        if sku not in items:
            errors.append(field_error(f"rows[{i}].sku", f"unknown SKU {sku!r}"))
        if (node_id, sku) in first:
            errors.append(
                field_error(
                    f"rows[{i}].sku",
                    f"duplicate row for {node_id!r}/{sku!r} (first rows[{first[node_id, sku]}])",
                )
            )
        first.setdefault((node_id, sku), i)
    return errors, items


def _level_update(
    store: Store, sku: str, item: dict[str, Any], sets: dict[str, tuple[int, int]]
) -> dict[str, Any]:
    """Absolute (on_hand, safety) per node, keeping each node's reserved units."""
    names: dict[str, str] = {"#levels": "levels"}
    values: dict[str, Any] = {}
    clauses, conditions = [], []
    levels = item.get("levels", {})
    for i, (node_id, (on_hand, safety)) in enumerate(sorted(sets.items())):
        names[f"#n{i}"] = node_id
        path = f"#levels.#n{i}"
        if node_id in levels:
            values.update(
                {
                    f":oh{i}": encode(on_hand),
                    f":ss{i}": encode(safety),
                    f":net{i}": encode(on_hand - safety),
                }
            )
            clauses += [
                f"{path}.on_hand = :oh{i}",
                f"{path}.safety = :ss{i}",
                f"{path}.available = :net{i} - {path}.reserved",
            ]
            conditions.append(f"attribute_exists({path})")
        else:
            values[f":new{i}"] = encode(stock_level(on_hand, safety))
            clauses.append(f"{path} = :new{i}")
            conditions.append(f"attribute_not_exists({path})")
    return store.stock_update(sku, clauses, conditions, names, values)


def _with_fresh_item(
    store: Store, sku: str, item: dict[str, Any], write: Callable[[dict[str, Any]], None]
) -> None:
    """Write with the item as read; if a node appeared or vanished meanwhile, re-read and redo."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            write(item)
            return
        except ClientError as error:
            if (
                error_code(error) != "ConditionalCheckFailedException"
                or attempt == WRITE_ATTEMPTS - 1
            ):
                raise
            item = store.stock_items([sku])[sku]


def set_levels(store: Store, rows: Sequence[StockRow]) -> Outcome:
    """PUT /inventory: every row valid or nothing written (errors per row); then one
    conditional update per SKU."""
    errors, items = _reference_errors(store, [(r.node_id, r.sku) for r in rows])
    if errors:
        raise ApiError(
            422, "invalid_rows", f"{len(errors)} invalid rows; nothing was written", errors
        )
    by_sku: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        by_sku.setdefault(row.sku, {})[row.node_id] = (row.on_hand, row.safety_stock)
    for sku, sets in by_sku.items():

        def write(
            item: dict[str, Any], sku: str = sku, sets: dict[str, tuple[int, int]] = sets
        ) -> None:
            store.client.update_item(**_level_update(store, sku, item, sets))

        _with_fresh_item(store, sku, items[sku], write)
    return Outcome(200, {"applied_rows": len(rows), "skus": len(by_sku)})


def adjust_levels(store: Store, rows: Sequence[tuple[str, str, int]]) -> Outcome:
    """POST /inventory/adjustments: deltas to on hand, all in one transaction (all or nothing);
    a delta that would take on hand below 0 is refused (409) with the rows concerned."""
    errors, items = _reference_errors(store, [(node, sku) for node, sku, _ in rows])
    errors = [e for e in errors if "duplicate" not in e["message"]]
    for i, (_, _, delta) in enumerate(rows):
        if delta == 0:
            errors.append(field_error(f"rows[{i}].delta", "must not be 0"))
    skus = {sku for _, sku, _ in rows}
    if len(skus) > MAX_ADJUSTMENT_SKUS:
        errors.append(
            field_error(
                "rows", f"at most {MAX_ADJUSTMENT_SKUS} distinct SKUs per call (got {len(skus)})"
            )
        )
    if errors:
        raise ApiError(
            422, "invalid_rows", f"{len(errors)} invalid rows; nothing was changed", errors
        )
    deltas: dict[str, dict[str, int]] = {}
    for node_id, sku, delta in rows:
        deltas.setdefault(sku, {})[node_id] = deltas.get(sku, {}).get(node_id, 0) + delta
    for attempt in range(WRITE_ATTEMPTS):
        short = [
            field_error(f"rows[{i}].delta", f"on hand of {sku!r} at {node!r} would go below 0")
            for i, (node, sku, _) in enumerate(rows)
            if items[sku].get("levels", {}).get(node, {}).get("on_hand", 0) + deltas[sku][node] < 0
        ]
        if short:
            raise ApiError(409, "insufficient_on_hand", "nothing was changed", short)
        actions = [
            {"Update": _delta_update(store, sku, items[sku], by_node)}
            for sku, by_node in sorted(deltas.items())
        ]
        try:
            store.client.transact_write_items(TransactItems=actions)
            return Outcome(200, {"applied_rows": len(rows), "skus": len(deltas)})
        except ClientError as error:
            if (
                "ConditionalCheckFailed" not in cancellation_codes(error)
                or attempt == WRITE_ATTEMPTS - 1
            ):
                raise
            items = store.stock_items(deltas)
    raise AssertionError("unreachable")


def _delta_update(
    store: Store, sku: str, item: dict[str, Any], by_node: dict[str, int]
) -> dict[str, Any]:
    names: dict[str, str] = {"#levels": "levels"}
    values: dict[str, Any] = {}
    clauses, conditions = [], []
    levels = item.get("levels", {})
    for i, (node_id, delta) in enumerate(sorted(by_node.items())):
        names[f"#n{i}"] = node_id
        path = f"#levels.#n{i}"
        if node_id in levels:
            values[f":d{i}"] = encode(delta)
            clauses += [
                f"{path}.on_hand = {path}.on_hand + :d{i}",
                f"{path}.available = {path}.available + :d{i}",
            ]
            condition = f"attribute_exists({path})"
            if delta < 0:
                values[f":min{i}"] = encode(-delta)
                condition += f" AND {path}.on_hand >= :min{i}"
            conditions.append(condition)
        else:
            values[f":new{i}"] = encode(stock_level(delta, 0))
            clauses.append(f"{path} = :new{i}")
            conditions.append(f"attribute_not_exists({path})")
    return store.stock_update(sku, clauses, conditions, names, values)


def sku_stock(store: Store, sku: str) -> dict[str, Any]:
    items = store.stock_items([sku])
    if sku not in items:
        raise not_found("sku", sku)
    item = items[sku]
    nodes = [
        {
            "node_id": node_id,
            "on_hand": level["on_hand"],
            "safety_stock": level["safety"],
            "reserved": level["reserved"],
            "available": max(0, level["available"]),
        }
        for node_id, level in sorted(item.get("levels", {}).items())
    ]
    totals = {
        k: sum(n[k] for n in nodes) for k in ("on_hand", "safety_stock", "reserved", "available")
    }
    return {
        "sku": sku,
        "weight_kg": item["weight_kg"],
        "unit_value": item["unit_value"],
        "nodes": nodes,
        "totals": totals,
    }
