"""Order records (table `orders`, one item per order): the order, its plan, what it holds where
(`chosen`: node, method and units per shipment), the day it was reserved on, the nodes it must
avoid, its status and version. Written only by `reservations.commit`, with the stock and
capacity it holds."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from functions.dal.codec import decode_item, encode_item
from functions.dal.order_index import index_attributes
from solver.models import Order
from solver.network import Network
from solver.pricing import METHOD_KEYS, ChosenShipment

if TYPE_CHECKING:
    from functions.dal.database import Database


def order_record(db: Database, order_id: str) -> dict[str, Any] | None:
    response = db.client.get_item(
        TableName=db.table("orders"),
        Key=encode_item({"order_id": order_id}),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return decode_item(item) if item else None


def chosen_rows(network: Network, chosen: Iterable[ChosenShipment]) -> list[dict[str, Any]]:
    return [
        {
            "node_id": network.nodes[c.node].node_id,
            "method": METHOD_KEYS[c.key],
            "units": dict(c.units),
        }
        for c in chosen
    ]


def chosen_from_rows(network: Network, rows: Iterable[Mapping[str, Any]]) -> list[ChosenShipment]:
    return [
        ChosenShipment(
            network.node_index[r["node_id"]], METHOD_KEYS.index(r["method"]), dict(r["units"])
        )
        for r in rows
    ]


def record_attributes(
    order: Order, body: dict[str, Any], network: Network, chosen: Iterable[ChosenShipment], day: str
) -> dict[str, Any]:
    """The record's attributes for an order answered with `body`, holding `chosen` on `day`
    (with the `open_orders` index attributes, `order_index.py`)."""
    chosen = list(chosen)
    return {
        "status": body["status"],
        "order": order.model_dump_json(),
        "plan": json.dumps(body),
        "chosen": json.dumps(chosen_rows(network, chosen)),
        "day": day,
        "excluded": json.dumps(body["excluded_nodes"]),
        "version": body["version"],
        **index_attributes(order, network, chosen, body.get("unfilled", ())),
    }
