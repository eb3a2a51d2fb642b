"""Lambda: GET/PUT /v1/nodes/{node_id}, PUT /v1/config/{name}."""

from __future__ import annotations

from functions.api import admin
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry

NEEDS = ("NODES_TABLE", "CONFIG_TABLE", "CAPACITY_TABLE", "IDEMPOTENCY_TABLE")
"""The environment variables this function cannot do without (`functions/settings.py`)."""


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(admin.make_router()), NEEDS)


handler = build_handler()
