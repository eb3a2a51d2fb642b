"""Lambda: POST /v1/promise, POST /v1/orders, GET /v1/orders/{order_id},
POST /v1/orders/{order_id}/cancel, POST /v1/orders/{order_id}/reject."""

from __future__ import annotations

from functions.api import orders
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry

NEEDS = (
    "STOCK_TABLE",
    "CAPACITY_TABLE",
    "ORDERS_TABLE",
    "NODES_TABLE",
    "CONFIG_TABLE",
    "IDEMPOTENCY_TABLE",
)
"""The environment variables this function cannot do without (`functions/settings.py`)."""


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(orders.make_router()), NEEDS)


handler = build_handler()
