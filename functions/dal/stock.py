"""Stock items (table `stock`, one item per SKU with a `levels` map of node_id -> on_hand,
safety, reserved, available): reading them, and the conditional updates that change levels.

Reservations take and release `available`/`reserved` (`reservations.py`); the writes here set
or add to on hand and keep what is reserved: `available = on_hand - safety - reserved` is
recomputed in the same conditional update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from functions.dal.client import ConditionFailed, batch_get, cancellation_codes, error_code
from functions.dal.codec import encode, encode_item

if TYPE_CHECKING:
    from functions.dal.database import Database

WRITE_ATTEMPTS = 5
"""Writes of one SKU's levels tried (re-reading the item in between) before giving up."""


def stock_level(on_hand: int, safety: int, reserved: int = 0) -> dict[str, int]:
    """A node's entry in a stock item's `levels` map; `available` may be negative when on hand
    dropped below what is reserved (the solver sees max(0, available))."""
    return {
        "on_hand": on_hand,
        "safety": safety,
        "reserved": reserved,
        "available": on_hand - safety - reserved,
    }


def stock_update(
    db: Database,
    sku: str,
    sets: Sequence[str],
    conditions: Sequence[str],
    names: Mapping[str, str],
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """UpdateItem arguments for a SKU's stock item: SET clauses under all `conditions`."""
    return {
        "TableName": db.table("stock"),
        "Key": encode_item({"sku": sku}),
        "UpdateExpression": "SET " + ", ".join(sets),
        "ConditionExpression": " AND ".join(conditions),
        "ExpressionAttributeNames": dict(names),
        "ExpressionAttributeValues": dict(values),
    }


def stock_items(db: Database, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
    table = db.table("stock")
    found = batch_get(db.client, {table: [{"sku": sku} for sku in sorted(set(skus))]})
    return {item["sku"]: item for item in found[table]}


def _level_update(
    db: Database, sku: str, item: dict[str, Any], sets: dict[str, tuple[int, int]]
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
    return stock_update(db, sku, clauses, conditions, names, values)


def _with_fresh_item(
    db: Database, sku: str, item: dict[str, Any], write: Callable[[dict[str, Any]], None]
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
            item = stock_items(db, [sku])[sku]


def set_levels(
    db: Database, sku: str, item: dict[str, Any], sets: dict[str, tuple[int, int]]
) -> None:
    """Set absolute (on_hand, safety) per node of one SKU (`item` as read), keeping each node's
    reserved units."""

    def write(item: dict[str, Any]) -> None:
        db.client.update_item(**_level_update(db, sku, item, sets))

    _with_fresh_item(db, sku, item, write)


def add_on_hand(
    db: Database, items: Mapping[str, dict[str, Any]], deltas: Mapping[str, dict[str, int]]
) -> None:
    """Add `deltas` (sku -> node_id -> units) to on hand in ONE transaction, all or nothing;
    `ConditionFailed` when a level changed since `items` were read (or would go below 0)."""
    actions = [
        {"Update": _delta_update(db, sku, items[sku], by_node)}
        for sku, by_node in sorted(deltas.items())
    ]
    try:
        db.client.transact_write_items(TransactItems=actions)
    except ClientError as error:
        if "ConditionalCheckFailed" not in cancellation_codes(error):
            raise
        raise ConditionFailed("stock levels changed meanwhile") from error


def _delta_update(
    db: Database, sku: str, item: dict[str, Any], by_node: dict[str, int]
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
    return stock_update(db, sku, clauses, conditions, names, values)
