"""Lambda: POST /v1/reallocations, GET /v1/reallocations/{reallocation_id}."""

from __future__ import annotations

from functions.api import reallocations
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry

NEEDS = (
    "REALLOCATIONS_TABLE",
    "IDEMPOTENCY_TABLE",
    "NODES_TABLE",
    "CONFIG_TABLE",
    "STOCK_TABLE",
    "REALLOCATION_BUCKET",
    "REALLOCATION_STATE_MACHINE_ARN",
)
"""The environment variables this function cannot do without (`functions/settings.py`)."""


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(reallocations.make_router()), NEEDS)


handler = build_handler()
