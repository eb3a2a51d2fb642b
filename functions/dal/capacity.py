"""Capacity use per node per day (table `capacity`): what the day has taken of a node's limits.

Reservations add to these items (`reservations.py`); they expire weeks after their day."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from functions.dal.codec import decode_item, encode_item

if TYPE_CHECKING:
    from functions.dal.database import Database

CAPACITY_RETENTION_DAYS = 35
"""Capacity-use items expire (TTL) this long after their day."""


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def capacity_expiry(day: str) -> int:
    start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    return int((start + dt.timedelta(days=CAPACITY_RETENTION_DAYS)).timestamp())


def capacity_use(db: Database, node_id: str, day: str) -> dict[str, int]:
    response = db.client.get_item(
        TableName=db.table("capacity"),
        Key=encode_item({"node_id": node_id, "day": day}),
        ConsistentRead=True,
    )
    item = decode_item(response.get("Item", {}))
    return {key: int(item.get(key, 0)) for key in ("orders", "units", "same_day")}
