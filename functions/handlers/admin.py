"""Lambda: GET/PUT /v1/nodes/{node_id}, PUT /v1/config/{name}."""

from __future__ import annotations

from functions.api import admin
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(admin.make_router()))


handler = build_handler()
