"""Routes of the shipments function: a node reports what happened to an order's shipment there
(released to the floor, picked, shipped); `logic/orders/shipments.py` has the rules."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel, ConfigDict, Field

from functions.api.answers import BODY_ERRORS, documented
from functions.api.idempotency import IdempotencyKeyHeader, idempotent_call
from functions.api.ids import OrderIdPath
from functions.api.limits import MAX_KEY_CHARS
from functions.api.reallocation_answers import ShipmentEventAnswer
from functions.dal.database import current_database
from functions.logic.orders import shipments
from functions.logic.orders.shipments import ShipmentState

NodeId = Annotated[str, Path(min_length=1, max_length=MAX_KEY_CHARS)]


class ShipmentEvent(BaseModel):
    """One report of a node about an order's shipment there."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(
        min_length=1, max_length=MAX_KEY_CHARS, description="the node's id of the report"
    )
    type: ShipmentState = Field(description="released, picked or shipped (reserved: no-op)")
    at: str | None = Field(default=None, max_length=40, description="when, as the node says")


def make_router() -> Router:
    router = Router()

    @router.post(
        "/v1/orders/<order_id>/shipments/<node_id>/events",
        summary="A node reports a shipment released, picked or shipped",
        description=(
            "The shipment's state is the furthest state reported (reserved < released < "
            "picked < shipped), so reports may arrive late, twice or out of order. Picked and "
            "shipped units are locked: a reallocation never moves them. `shipped` takes the "
            "units out of on hand and reserved together. 409 `no_shipment_at_node` when the "
            "order does not ship from that node (e.g. a reallocation moved it: the message "
            "says where it ships from), `order_cancelled`."
        ),
        responses=documented(
            {200: ("The shipment's state and the order's", ShipmentEventAnswer)},
            *BODY_ERRORS,
            404,
            409,
        ),
        tags=["routing"],
    )
    def post_shipment_event(
        order_id: OrderIdPath,
        node_id: NodeId,
        event: Annotated[ShipmentEvent, Body()],
        idempotency: IdempotencyKeyHeader = None,
    ) -> Response[Any]:
        payload = {"order_id": order_id, "node_id": node_id, **event.model_dump(mode="json")}
        # A node's event id names the report: the same report twice is a retry.
        key = idempotency or f"{order_id}:{node_id}:{event.event_id}"
        return idempotent_call(
            router,
            "shipment_event",
            key,
            payload,
            lambda: (
                200,
                shipments.record_event(
                    current_database(), order_id, node_id, event.event_id, event.type, event.at
                ),
            ),
        )

    return router
