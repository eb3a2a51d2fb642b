"""The attributes an order record carries for the `open_orders` index (tables.py): which
allocations are open, where they are and what they wait for, so that a reallocation finds the
orders a change touches with one Query per shard instead of a Scan of every order.

Only an open order (status `reserved` or `backordered`) has `open_shard`; the index is sparse,
so cancelled and fully shipped orders drop out of it. `alloc_nodes`, `alloc_skus` and
`alloc_pairs` say where the order holds units, `backordered_skus` what it still waits for;
`routed_at` (the range key) when its allocation was decided, `created_at` its age (the order's
own `created_at`, else `routed_at`) for "oldest first".
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from solver.models import Order
from solver.network import Network
from solver.pricing import ChosenShipment

OPEN_SHARDS = 8
"""Values of `open_shard`: open orders spread over this many index partitions."""
INDEX_ATTRIBUTES = (
    "open_shard",
    "routed_at",
    "created_at",
    "alloc_nodes",
    "alloc_skus",
    "alloc_pairs",
    "backordered_skus",
    "backordered",
)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def open_shard(order_id: str) -> str:
    digest = hashlib.sha256(order_id.encode()).digest()
    return str(digest[0] % OPEN_SHARDS)


def pair_key(node_id: str, sku: str) -> str:
    """A (node, SKU) as one string of `alloc_pairs` (ids never contain a tab)."""
    return f"{node_id}\t{sku}"


def backordered_rows(unfilled: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Unfilled lines of a plan body (spec §6 `unfilled`), as the order's backorders."""
    return [{"line_id": u["line_id"], "sku": u["sku"], "qty": int(u["qty"])} for u in unfilled]


def index_attributes(
    order: Order,
    network: Network,
    chosen: Iterable[ChosenShipment],
    unfilled: Iterable[Mapping[str, Any]],
    routed_at: str | None = None,
) -> dict[str, Any]:
    """The index attributes of an open order holding `chosen`, with `unfilled` backordered."""
    sku_of = {line.line_id: line.sku for line in order.lines}
    pairs: set[tuple[str, str]] = set()
    for c in chosen:
        node_id = network.nodes[c.node].node_id
        pairs.update((node_id, sku_of[lid]) for lid, q in c.units.items() if q)
    waiting = backordered_rows(unfilled)
    routed = routed_at or now_iso()
    return {
        "open_shard": open_shard(order.order_id),
        "routed_at": routed,
        "created_at": order.created_at or routed,
        "alloc_nodes": sorted({node for node, _ in pairs}),
        "alloc_skus": sorted({sku for _, sku in pairs}),
        "alloc_pairs": sorted(pair_key(node, sku) for node, sku in pairs),
        "backordered_skus": sorted({row["sku"] for row in waiting}),
        "backordered": waiting,
    }
