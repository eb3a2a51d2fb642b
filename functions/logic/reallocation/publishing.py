"""One `OrderReallocated` event per order a reallocation changed, with its shipments before and
after, so the nodes, the OMS and the customer messaging act on the move. Sent after the chunk
committed, at most once per chunk (`records.claim_publication`) unless the publisher dies
midway; consumers recognise a repeat by (`order_id`, `version`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.dal.reallocation.events import publish

DETAIL_TYPE = "OrderReallocated"


def _side(plan: Mapping[str, Any] | None) -> dict[str, Any]:
    if plan is None:
        return {"shipments": [], "unfilled": [], "cost": None}
    shipments = [
        {
            "node_id": s["node_id"],
            "method": s["method"],
            "service": s["service"],
            "lines": [
                {"line_id": line["line_id"], "sku": line["sku"], "qty": line["qty"]}
                for line in s["lines"]
            ],
        }
        for s in plan.get("shipments", [])
    ]
    return {
        "shipments": shipments,
        "unfilled": list(plan.get("unfilled", [])),
        "cost": plan.get("cost"),
    }


def reallocated_events(
    reallocation_id: str, plan: Mapping[str, Any], committed: Mapping[str, int]
) -> list[dict[str, Any]]:
    """The events of a chunk: one per committed order (`committed`: order id -> new version)."""
    events = []
    for entry in plan["orders"]:
        version = committed.get(entry["order_id"])
        if version is None:
            continue
        events.append(
            {
                "order_id": entry["order_id"],
                "reallocation_id": reallocation_id,
                "version": version,
                "status": entry["status"],
                "reason": entry.get("reason"),
                "before": _side(entry["before"]["plan"]),
                "after": _side(entry["after"]["plan"]),
            }
        )
    return events


def publish_reallocated(events: list[dict[str, Any]]) -> int:
    return publish(DETAIL_TYPE, events)
