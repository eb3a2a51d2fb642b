"""Lambda: POST /v1/scenarios, GET /v1/scenarios/{scenario_id},
GET /v1/scenarios/{scenario_id}/report."""

from __future__ import annotations

from functions.api import scenarios
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry

NEEDS = ("SCENARIOS_TABLE", "IDEMPOTENCY_TABLE", "SCENARIO_BUCKET", "STATE_MACHINE_ARN")
"""The environment variables this function cannot do without (`functions/settings.py`)."""


def build_handler() -> LambdaHandler:
    return lambda_entry(build_resolver(scenarios.make_router()), NEEDS)


handler = build_handler()
