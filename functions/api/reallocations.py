"""Routes of the reallocations function: start a reallocation by hand (a scope, or any trigger
kind, with `dry_run`) and read one: its status, progress and report."""

import uuid
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, ConfigDict, Field

from functions.api.answers import BODY_ERRORS, documented
from functions.api.idempotency import IdempotencyKeyHeader, body_hash, idempotent_call
from functions.api.ids import ReallocationIdPath
from functions.api.reallocation_answers import ReallocationAnswer, ReallocationStarted
from functions.api.responses import json_response
from functions.dal.database import current_database
from functions.logic.reallocation import launch


class ReallocationRequest(BaseModel):
    """Exactly one of `scope` (the open orders to re-plan together) and `trigger` (a trigger
    kind, as the events would start it: e.g. {"kind": "node-offline", "node_id": "W2"})."""

    model_config = ConfigDict(extra="forbid")

    scope: dict[str, Any] | None = Field(
        default=None,
        description="nodes, skus, order_ids, routed_after, routed_before (ISO-8601 UTC), all",
    )
    trigger: dict[str, Any] | None = Field(
        default=None,
        description="kind: node-offline, node-capacity, stock-short, rejected, stock-arrived, "
        "scheduled, manual; with its fields (docs/reallocation.md)",
    )
    dry_run: bool = Field(default=False, description="plan and report, change nothing")
    chunk_orders: int | None = Field(default=None, gt=0, le=100_000)


def make_router() -> Router:
    router = Router()

    @router.post(
        "/v1/reallocations",
        summary="Re-plan open orders together (a scope, or a trigger by hand); dry_run: report",
        description=(
            "Answers 202 with `reallocation_id` (the execution's name, derived from the "
            "trigger: the same request starts one run). Follow it with GET "
            "/v1/reallocations/{reallocation_id}. `dry_run` plans and reports and changes "
            "nothing (a dry run of a rejection writes no fence; of a node going offline treats "
            "the node as closed without closing it). Unknown nodes or SKUs: 422 naming each."
        ),
        responses=documented(
            {202: ("The run started (or was started by the same request)", ReallocationStarted)},
            *BODY_ERRORS,
            409,
        ),
        tags=["reallocation"],
    )
    def post_reallocation(
        request: Annotated[ReallocationRequest, Body()],
        idempotency: IdempotencyKeyHeader = None,
    ) -> Response[Any]:
        payload = request.model_dump(mode="json")
        key = idempotency or uuid.uuid4().hex
        db = current_database()
        trigger = launch.requested_trigger(db, request.trigger, request.scope, key[:64])
        launch.check_references(db, trigger)
        return idempotent_call(
            router,
            "start_reallocation",
            f"{key}:{body_hash(payload)}",
            payload,
            lambda: (202, launch.start(db, trigger, request.dry_run, request.chunk_orders)),
        )

    @router.get(
        "/v1/reallocations/<reallocation_id>",
        summary="A reallocation: status, progress and, once done, its report",
        description=(
            "`status` is running, succeeded or failed. When succeeded: orders considered, "
            "moved, changed, kept and skipped (each with why), units re-sourced, backordered "
            "units filled, cost before and after by component (carrier, handling, dropship, "
            "split, late, unfilled, move), the re-plan's proven bound and gap, and per changed "
            "order its shipments before and after with the reason (`orders`, paged by "
            "`offset`/`limit`). When failed: `error`."
        ),
        responses=documented({200: ("The run", ReallocationAnswer)}, 404, 422),
        tags=["reallocation"],
    )
    def get_reallocation(
        reallocation_id: ReallocationIdPath,
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = launch.REPORT_ORDERS,
    ) -> Response[Any]:
        answer = launch.describe(current_database(), reallocation_id, offset, limit)
        return json_response(200, answer)

    return router
