"""Routes of the admin function: nodes (open/close, capacity) and config documents."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from functions.api.answers import BODY_ERRORS, ConfigAnswer, NodeAnswer, documented
from functions.api.idempotency import IdempotencyKeyHeader, idempotent_call
from functions.api.limits import MAX_KEY_CHARS
from functions.api.models import NodeUpdate
from functions.api.responses import json_response
from functions.dal.database import current_database
from functions.logic import admin

NodeId = Annotated[str, Path(min_length=1, max_length=MAX_KEY_CHARS)]


def make_router() -> Router:
    router = Router()

    @router.get(
        "/v1/nodes/<node_id>",
        summary="A node and today's capacity use",
        responses=documented({200: ("The node", NodeAnswer)}, 404, 422),
        tags=["admin"],
    )
    def get_node(node_id: NodeId) -> Response[Any]:
        return json_response(200, admin.node_view(current_database(), node_id))

    @router.put(
        "/v1/nodes/<node_id>",
        summary="Open or close a node, or change its capacity (null: no limit)",
        description=(
            "Absent fields stay as they are. Every call is applied (closing, opening and "
            "closing again leaves the node closed); send an `Idempotency-Key` to make a retry "
            "apply once."
        ),
        responses=documented({200: ("The node now", NodeAnswer)}, *BODY_ERRORS, 404, 409),
        tags=["admin"],
    )
    def put_node(
        node_id: NodeId,
        request: Annotated[NodeUpdate, Body()],
        idempotency: IdempotencyKeyHeader = None,
    ) -> Response[Any]:
        changes = request.model_dump(exclude_unset=True)
        payload = {"node_id": node_id, **changes}
        return idempotent_call(
            router,
            "put_node",
            idempotency,
            payload,
            lambda: (200, admin.update_node(current_database(), node_id, changes)),
        )

    @router.put(
        "/v1/config/<name>",
        summary='Replace rates, zones, transit ({"rows": [...]}) or settings (the JSON object)',
        description="Validated exactly as the loader validates rates.csv, zones.csv, "
        "transit.csv and settings.json; invalid documents change nothing (422, per-row errors).",
        responses=documented({200: ("The document was replaced", ConfigAnswer)}, *BODY_ERRORS, 409),
        tags=["admin"],
    )
    def put_config(
        name: Annotated[str, Path(pattern="^(rates|zones|transit|settings)$")],
        document: Annotated[dict[str, Any], Body()],
        idempotency: IdempotencyKeyHeader = None,
    ) -> Response[Any]:
        payload = {"name": name, "document": document}
        return idempotent_call(
            router,
            "put_config",
            idempotency,
            payload,
            lambda: (200, admin.put_config(current_database(), name, document)),
        )

    return router
