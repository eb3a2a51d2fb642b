"""Which open orders a trigger concerns, oldest first (the order's `created_at`, else when it
was routed): read from the `open_orders` index (`dal/reallocation/open_orders.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from functions.dal.database import Database
from functions.dal.order_index import pair_key
from functions.dal.reallocation.open_orders import open_entries
from functions.logic.reallocation.triggers import (
    ManualTrigger,
    NodeTrigger,
    RejectedTrigger,
    ScheduledTrigger,
    StockArrivedTrigger,
    StockShortTrigger,
    Trigger,
)

Entry = dict[str, Any]


def _holds_any(entry: Entry, attribute: str, values: Iterable[str]) -> bool:
    held = set(entry.get(attribute) or ())
    return any(v in held for v in values)


def _selector(trigger: Trigger) -> tuple[Callable[[Entry], bool], str | None, str | None]:
    """(does an open order belong, routed after, routed before) for a trigger."""
    if isinstance(trigger, NodeTrigger):
        return (lambda e: _holds_any(e, "alloc_nodes", [trigger.node_id])), None, None
    if isinstance(trigger, StockShortTrigger):
        pairs = [pair_key(p.node_id, p.sku) for p in trigger.pairs]
        return (lambda e: _holds_any(e, "alloc_pairs", pairs)), None, None
    if isinstance(trigger, RejectedTrigger):
        pairs = [pair_key(trigger.node_id, sku) for sku in trigger.skus]
        return (
            (lambda e: e["order_id"] != trigger.order_id and _holds_any(e, "alloc_pairs", pairs)),
            None,
            None,
        )
    if isinstance(trigger, StockArrivedTrigger):
        return (lambda e: _holds_any(e, "backordered_skus", trigger.skus)), None, None
    if isinstance(trigger, ScheduledTrigger):
        after, before = trigger.window()
        return (lambda e: True), after, before
    assert isinstance(trigger, ManualTrigger)
    scope = trigger.scope
    ids = set(scope.order_ids)

    def matches(entry: Entry) -> bool:
        if ids and entry["order_id"] not in ids:
            return False
        if scope.nodes and not _holds_any(entry, "alloc_nodes", scope.nodes):
            return False
        return not scope.skus or (
            _holds_any(entry, "alloc_skus", scope.skus)
            or _holds_any(entry, "backordered_skus", scope.skus)
        )

    return matches, scope.routed_after, scope.routed_before


def orders_in_scope(db: Database, trigger: Trigger) -> list[str]:
    """Ids of the open orders the trigger concerns, oldest first."""
    belongs, after, before = _selector(trigger)
    found = [e for e in open_entries(db, after, before) if belongs(e)]
    found.sort(key=lambda e: (str(e.get("created_at") or ""), e["order_id"]))
    return [e["order_id"] for e in found]


def chunks(order_ids: list[str], size: int) -> list[list[str]]:
    return [order_ids[i : i + size] for i in range(0, len(order_ids), size)]
