"""Lambda: PUT /v1/inventory, POST /v1/inventory/adjustments, GET /v1/inventory/{sku}."""

from __future__ import annotations

from functions.api import inventory
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(inventory.make_router()))


handler = build_handler()
