"""Lambda: POST /v1/orders/{order_id}/shipments/{node_id}/events."""

from __future__ import annotations

from functions.api import shipments
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry

NEEDS = ("ORDERS_TABLE", "STOCK_TABLE", "IDEMPOTENCY_TABLE")
"""The environment variables this function cannot do without (`functions/settings.py`)."""


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(shipments.make_router()), NEEDS)


handler = build_handler()
