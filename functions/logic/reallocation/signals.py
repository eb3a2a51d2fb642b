"""Changes that may call for a reallocation, put on the event bus by the use cases that make
them (one call each, after their write): a node closed or its capacity cut (`NodeChanged`),
stock below what is reserved (`StockShort`) or stock arriving (`StockArrived`, a feed or an
adjustment), a node rejecting lines (`LinesRejected`). The rules in template.yaml decide which
of these start the reallocation state machine (`triggers.from_event` types them).

A publish that fails is logged and does not fail the call that made the change: the change is
written, and the scheduled re-optimisation re-plans what a lost event left behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from functions.dal.database import Database
from functions.dal.network_config import config_version
from functions.dal.reallocation.events import publish
from functions.dal.stock import stock_items
from functions.observability import logger
from functions.settings import current_settings
from solver.models import Node

PAIRS_PER_EVENT = 500
"""(node, SKU) pairs per StockShort event (an event is at most 256 KB)."""
SKUS_PER_EVENT = 1000


def _send(detail_type: str, details: Sequence[Mapping[str, Any]]) -> None:
    if current_settings().event_bus_name is None:
        return
    try:
        publish(detail_type, details)
    except Exception:  # the change is written; never fail the caller's request for this
        logger.exception("could not publish %s", detail_type)


def node_changes(before: Node, after: Node) -> list[str]:
    """What changed about a node that matters to open allocations."""
    changes = []
    if before.active and not after.active:
        changes.append("deactivated")
    if after.active and not before.active:
        changes.append("activated")
    pairs = (
        (before.max_orders_per_day, after.max_orders_per_day),
        (before.max_units_per_day, after.max_units_per_day),
        (before.same_day_capacity, after.same_day_capacity),
    )
    if any(_lower(old, new) for old, new in pairs):
        changes.append("capacity_dropped")
    if any(_lower(new, old) for old, new in pairs):
        changes.append("capacity_raised")
    return changes


def _lower(old: int | None, new: int | None) -> bool:
    """Whether limit `new` is below `old` (None = no limit)."""
    return new is not None and (old is None or new < old)


def node_changed(db: Database, before: Node, after: Node) -> None:
    changes = node_changes(before, after)
    if changes:
        detail = {"node_id": after.node_id, "version": config_version(db), "changes": changes}
        _send("NodeChanged", [detail])


def stock_changed(db: Database, before: Mapping[str, Mapping[str, Any]]) -> None:
    """After a feed or an adjustment of the SKUs of `before` (their stock items as read before
    it): levels now below what is reserved, and SKUs whose available stock went up."""
    if current_settings().event_bus_name is None:
        return
    after = stock_items(db, before)
    change_id = uuid.uuid4().hex[:16]
    short, arrived = [], set()
    for sku, item in sorted(after.items()):
        old_levels = before.get(sku, {}).get("levels", {})
        for node_id, level in sorted(item.get("levels", {}).items()):
            available = int(level["available"])
            old = old_levels.get(node_id)
            if available < 0:
                short.append({"node_id": node_id, "sku": sku, "available": available})
            if available > 0 and (old is None or available > int(old["available"])):
                arrived.add(sku)
    _send(
        "StockShort",
        [
            {"change_id": f"{change_id}-{n}", "pairs": short[i : i + PAIRS_PER_EVENT]}
            for n, i in enumerate(range(0, len(short), PAIRS_PER_EVENT))
        ],
    )
    skus = sorted(arrived)
    _send(
        "StockArrived",
        [
            {"change_id": f"{change_id}-{n}", "skus": skus[i : i + SKUS_PER_EVENT]}
            for n, i in enumerate(range(0, len(skus), SKUS_PER_EVENT))
        ],
    )


def lines_rejected(order_id: str, node_id: str, skus: Iterable[str], version: int) -> None:
    detail = {
        "order_id": order_id,
        "node_id": node_id,
        "skus": sorted(set(skus)),
        "version": version,
    }
    _send("LinesRejected", [detail])
