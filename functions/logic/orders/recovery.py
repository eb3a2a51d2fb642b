"""Recovering order changes cut short: a process that dies in the middle of a chunked
reservation (a Lambda timeout, an out-of-memory kill) leaves its order record pending, holding
part of the change; `sweep` ends every such change, wholly applied or wholly undone
(`dal/reservations.recover`), so no stock stays held by an order that does not exist.

The sweeper function runs it on a schedule (template.yaml `SweeperFunction`; `omniroute serve`
runs it in the background). A retry of the request recovers its own order sooner
(`lifecycle._settled`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from functions.dal.database import Database
from functions.dal.orders import order_record, pending_order_ids
from functions.dal.reservations import is_stale, recover
from functions.observability import logger


@dataclass
class SweepReport:
    """What a pass did: order id -> "forward"/"rollback" for the changes it ended; ids of the
    changes too recent to touch; ids it could not recover (logged; the next pass tries again)."""

    recovered: dict[str, str] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def sweep(db: Database, older_than: float, now: float | None = None) -> SweepReport:
    """End every pending change whose invocation is over and that began `older_than` seconds
    ago or more (recent ones are left to their own retries)."""
    now = time.time() if now is None else now
    report = SweepReport()
    for order_id in pending_order_ids(db):
        record = order_record(db, order_id)  # the index is eventually consistent: read again
        if record is None or "pending_op" not in record:
            continue
        age = now - float(record.get("pending_since", 0))
        if not is_stale(record, now) or age < older_than:
            report.waiting.append(order_id)
            continue
        try:
            direction = recover(db, order_id)
        except Exception:  # one stuck order must not stop the others
            logger.exception("could not recover a pending order", extra={"order_id": order_id})
            report.failed.append(order_id)
            continue
        if direction is not None:
            report.recovered[order_id] = direction
    return report
