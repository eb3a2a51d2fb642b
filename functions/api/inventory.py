"""Routes of the inventory function: absolute levels, deltas, stock of a SKU by node."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from functions.api.idempotency import body_hash, idempotency_key, idempotent_call
from functions.api.models import AdjustmentsRequest, InventoryRequest
from functions.api.responses import json_response
from functions.dal.database import current_database
from functions.logic import inventory


def make_router() -> Router:
    router = Router()

    @router.put(
        "/v1/inventory",
        summary="Set absolute stock levels (WMS/POS feed); every row valid or nothing written",
        tags=["inventory"],
    )
    def put_inventory(request: Annotated[InventoryRequest, Body()]) -> Response[Any]:
        payload = request.model_dump(mode="json")
        key = idempotency_key(router, body_hash(payload))
        return idempotent_call(
            router,
            "put_inventory",
            key,
            payload,
            lambda: (200, inventory.set_levels(current_database(), request.rows)),
        )

    @router.post(
        "/v1/inventory/adjustments",
        summary="Add or remove units (deltas), all together or not at all",
        tags=["inventory"],
    )
    def post_adjustments(request: Annotated[AdjustmentsRequest, Body()]) -> Response[Any]:
        payload = request.model_dump(mode="json")
        key = idempotency_key(router, request.adjustment_id)
        rows = [(r.node_id, r.sku, r.delta) for r in request.rows]
        return idempotent_call(
            router,
            "adjust_inventory",
            key,
            payload,
            lambda: (200, inventory.adjust_levels(current_database(), rows)),
        )

    @router.get(
        "/v1/inventory/<sku>",
        summary="Stock of a SKU by node: on hand, safety stock, reserved, available",
        tags=["inventory"],
    )
    def get_inventory(sku: Annotated[str, Path(min_length=1, max_length=200)]) -> Response[Any]:
        return json_response(200, inventory.sku_stock(current_database(), sku))

    return router
