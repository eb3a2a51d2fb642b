"""Lambda: PUT /v1/inventory, POST /v1/inventory/adjustments, GET /v1/inventory/{sku}."""

from __future__ import annotations

from functions.api import inventory
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry

NEEDS = ("STOCK_TABLE", "NODES_TABLE", "CONFIG_TABLE", "IDEMPOTENCY_TABLE")
"""The environment variables this function cannot do without (`functions/settings.py`)."""


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(inventory.make_router()), NEEDS)


handler = build_handler()
