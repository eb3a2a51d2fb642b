"""Stock levels from outside: absolute levels from a WMS/POS feed, deltas, and reading a SKU's
stock by node. Every row is checked before anything is written. Reservations never go through
here (`dal/reservations.py`), and a level change keeps what is reserved (`dal/stock.py`
recomputes `available` in the same conditional update)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from functions.dal import stock
from functions.dal.client import ConditionFailed
from functions.dal.database import Database
from functions.dal.network_config import network_config
from functions.logic.errors import Conflict, Invalid, field_error, not_found
from functions.logic.limits import MAX_ADJUSTMENT_SKUS
from functions.logic.reallocation import signals
from solver.models import StockRow

WRITE_ATTEMPTS = 5


def _reference_errors(
    db: Database, rows: Sequence[tuple[str, str]]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Unknown nodes or SKUs, and duplicate (node, sku) rows, per row; and the SKU items."""
    config = network_config(db)
    items = stock.stock_items(db, (sku for _, sku in rows))
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


def set_levels(db: Database, rows: Sequence[StockRow]) -> dict[str, Any]:
    """PUT /inventory: every row valid or nothing written (errors per row); then one
    conditional update per SKU."""
    errors, items = _reference_errors(db, [(r.node_id, r.sku) for r in rows])
    if errors:
        raise Invalid("invalid_rows", f"{len(errors)} invalid rows; nothing was written", errors)
    by_sku: dict[str, dict[str, tuple[int, int]]] = {}
    for row in rows:
        by_sku.setdefault(row.sku, {})[row.node_id] = (row.on_hand, row.safety_stock)
    for sku, sets in by_sku.items():
        stock.set_levels(db, sku, items[sku], sets)
    signals.stock_changed(db, {sku: items[sku] for sku in by_sku})  # reallocation triggers
    return {"applied_rows": len(rows), "skus": len(by_sku)}


def adjust_levels(db: Database, rows: Sequence[tuple[str, str, int]]) -> dict[str, Any]:
    """POST /inventory/adjustments: deltas to on hand, all in one transaction (all or nothing);
    a delta that would take on hand below 0 is refused (409) with the rows concerned."""
    errors, items = _reference_errors(db, [(node, sku) for node, sku, _ in rows])
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
        raise Invalid("invalid_rows", f"{len(errors)} invalid rows; nothing was changed", errors)
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
            raise Conflict("insufficient_on_hand", "nothing was changed", short)
        try:
            stock.add_on_hand(db, items, deltas)
            signals.stock_changed(db, {sku: items[sku] for sku in deltas})  # triggers
            return {"applied_rows": len(rows), "skus": len(deltas)}
        except ConditionFailed:
            if attempt == WRITE_ATTEMPTS - 1:
                raise
            items = stock.stock_items(db, deltas)
    raise AssertionError("unreachable")


def sku_stock(db: Database, sku: str) -> dict[str, Any]:
    """A SKU's stock by node. `available` is on hand - safety - reserved, negative when a feed
    lowered on hand below what orders hold (a deficit operations must act on); the solver
    plans nothing new there."""
    items = stock.stock_items(db, [sku])
    if sku not in items:
        raise not_found("sku", sku)
    item = items[sku]
    nodes = [
        {
            "node_id": node_id,
            "on_hand": level["on_hand"],
            "safety_stock": level["safety"],
            "reserved": level["reserved"],
            "available": level["available"],
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
