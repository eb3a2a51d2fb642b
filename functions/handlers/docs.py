"""Lambda: GET /openapi.json (the whole API), GET /docs (Swagger UI) and its assets."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from functions.api import admin, docs, inventory, orders, reallocations, scenarios, shipments
from functions.api.resolver import LambdaHandler, build_resolver, lambda_entry

NEEDS: tuple[str, ...] = ()
"""The environment variables this function cannot do without (`functions/settings.py`)."""


def build_docs_resolver() -> APIGatewayRestResolver:
    """Every route of the API, so that the document describes them all, and the docs' own."""
    return build_resolver(
        orders.make_router(),
        inventory.make_router(),
        admin.make_router(),
        scenarios.make_router(),
        shipments.make_router(),
        reallocations.make_router(),
        docs.make_router(),
    )


def build_handler() -> LambdaHandler:
    return lambda_entry(build_docs_resolver(), NEEDS)


handler = build_handler()
