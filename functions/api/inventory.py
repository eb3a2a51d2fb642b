"""Routes of the inventory function: absolute levels, deltas, stock of a SKU by node."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from functions.api.answers import BODY_ERRORS, SkuStockAnswer, WriteAnswer, documented
from functions.api.idempotency import IdempotencyKeyHeader, idempotent_call
from functions.api.limits import MAX_KEY_CHARS
from functions.api.models import AdjustmentsRequest, InventoryRequest
from functions.api.responses import json_response
from functions.dal.database import current_database
from functions.logic import inventory


def make_router() -> Router:
    router = Router()

    @router.put(
        "/v1/inventory",
        summary="Set absolute stock levels (WMS/POS feed); every row valid or nothing written",
        description=(
            "On hand and safety stock are set; what orders hold is kept, so `available` may go "
            "below 0 (a deficit). Every call is applied, even one repeating an earlier body; "
            "send an `Idempotency-Key` to make a retry of one feed apply it once."
        ),
        responses=documented({200: ("The rows were applied", WriteAnswer)}, *BODY_ERRORS, 409),
        tags=["inventory"],
    )
    def put_inventory(
        request: Annotated[InventoryRequest, Body()], idempotency: IdempotencyKeyHeader = None
    ) -> Response[Any]:
        return idempotent_call(
            router,
            "put_inventory",
            idempotency,
            request.model_dump(mode="json"),
            lambda: (200, inventory.set_levels(current_database(), request.rows)),
        )

    @router.post(
        "/v1/inventory/adjustments",
        summary="Add or remove units (deltas), all together or not at all",
        description=(
            "Applied once per `adjustment_id` (or `Idempotency-Key`): a retry answers the first "
            "answer. 409 `insufficient_on_hand` when a delta would take on hand below 0 "
            "(nothing is changed)."
        ),
        responses=documented({200: ("The deltas were applied", WriteAnswer)}, *BODY_ERRORS, 409),
        tags=["inventory"],
    )
    def post_adjustments(
        request: Annotated[AdjustmentsRequest, Body()], idempotency: IdempotencyKeyHeader = None
    ) -> Response[Any]:
        payload = request.model_dump(mode="json")
        rows = [(r.node_id, r.sku, r.delta) for r in request.rows]
        return idempotent_call(
            router,
            "adjust_inventory",
            idempotency or request.adjustment_id,
            payload,
            lambda: (200, inventory.adjust_levels(current_database(), rows)),
        )

    @router.get(
        "/v1/inventory/<sku>",
        summary="Stock of a SKU by node: on hand, safety stock, reserved, available",
        responses=documented({200: ("The SKU's stock", SkuStockAnswer)}, 404, 422),
        tags=["inventory"],
    )
    def get_inventory(
        sku: Annotated[str, Path(min_length=1, max_length=MAX_KEY_CHARS)],
    ) -> Response[Any]:
        return json_response(200, inventory.sku_stock(current_database(), sku))

    return router
