"""Fences: a (node, SKU) a node rejected as not in stock takes no new units until a time.

Kept on the SKU's stock item, next to the level it fences (`levels.N.fenced_until`, epoch
seconds), so that everything that reads stock sees it in the same read: routing treats a fenced
level as empty (`order_inputs.order_ledger`) and a reallocation's snapshot passes it to the
re-plan as a fence. A fence only ever extends: a shorter one arriving later changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from functions.dal.client import error_code
from functions.dal.codec import encode
from functions.dal.database import Database
from functions.dal.stock import stock_update

FENCE_ATTRIBUTE = "fenced_until"


def fence(db: Database, node_id: str, sku: str, until: float) -> bool:
    """Fence `sku` at `node_id` until `until` (epoch seconds); False if that level does not
    exist or is already fenced as long."""
    path = f"#levels.#node.{FENCE_ATTRIBUTE}"
    update = stock_update(
        db,
        sku,
        [f"{path} = :until"],
        ["attribute_exists(#levels.#node)", f"(attribute_not_exists({path}) OR {path} < :until)"],
        {"#levels": "levels", "#node": node_id},
        {":until": encode(until)},
    )
    try:
        db.client.update_item(**update)
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def is_fenced(level: Mapping[str, Any], now: float) -> bool:
    """Whether a stock level (an entry of a stock item's `levels`) is fenced at `now`."""
    return float(level.get(FENCE_ATTRIBUTE, 0)) > now
