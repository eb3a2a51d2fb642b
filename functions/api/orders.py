"""Routes of the orders function: promise, orders, cancel, reject (spec §2 orders in, §6 plans
out)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from functions.api.idempotency import body_hash, idempotency_key, idempotent_call
from functions.api.models import OrderRequest, PromiseRequest, RejectRequest
from functions.api.responses import json_response
from functions.dal.database import current_database
from functions.logic.orders import lifecycle
from functions.logic.orders.lifecycle import OrderChange
from functions.logic.orders.promise import promise
from functions.observability import MetricUnit, metrics, tracer

OrderId = Annotated[str, Path(min_length=1, max_length=200)]


def answer(change: OrderChange) -> tuple[int, Any]:
    """201 for an order this call created, else 200; the plan's figures as metrics."""
    record_metrics(change)
    return (201 if change.created else 200), change.body


def record_metrics(change: OrderChange) -> None:
    if change.conflicts:
        metrics.add_metric("ReservationConflicts", MetricUnit.Count, change.conflicts)
    planned = change.planned
    if planned is None:
        return
    metrics.add_metric("SolveTime", MetricUnit.Milliseconds, planned.solve_seconds * 1000)
    metrics.add_metric("PlanCost", MetricUnit.NoUnit, planned.plan.cost)
    metrics.add_metric("ShipmentsPerOrder", MetricUnit.Count, len(planned.plan.shipments))


def make_router() -> Router:
    router = Router()

    @router.post(
        "/v1/promise",
        summary="Delivery options for a cart and a destination (reserves nothing)",
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def post_promise(request: Annotated[PromiseRequest, Body()]) -> Response[Any]:
        return json_response(200, promise(current_database(), request.as_order()))

    @router.post(
        "/v1/orders",
        summary="Route an order with the per-order optimal plan and reserve it",
        description=(
            "Answers 201 with the order's plan (spec §6: shipments, unfilled, cost, breakdown; "
            "per shipment the next-best alternative: the order's best plan without that node; "
            "null for orders of more than 20 lines). Units no node can ship now are in "
            "`unfilled` and are not reserved. A retry (same order_id, or same Idempotency-Key) "
            "answers the same body and reserves once. 409 `stock_changed` when stock kept "
            "changing between read and commit (nothing reserved)."
        ),
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def post_order(order: Annotated[OrderRequest, Body()]) -> Response[Any]:
        plain = order.as_order()
        key = idempotency_key(router, plain.order_id)
        payload = plain.model_dump(mode="json")
        return idempotent_call(
            router,
            "create_order",
            key,
            payload,
            lambda: answer(lifecycle.create_order(current_database(), plain)),
        )

    @router.get("/v1/orders/<order_id>", summary="An order's plan and status", tags=["routing"])
    def get_order(order_id: OrderId) -> Response[Any]:
        return json_response(200, lifecycle.get_order(current_database(), order_id))

    @router.post(
        "/v1/orders/<order_id>/cancel",
        summary="Cancel an order: release everything it holds",
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def cancel_order(order_id: OrderId) -> Response[Any]:
        key = idempotency_key(router, order_id)
        return idempotent_call(
            router,
            "cancel_order",
            key,
            {"order_id": order_id},
            lambda: answer(lifecycle.cancel_order(current_database(), order_id)),
        )

    @router.post(
        "/v1/orders/<order_id>/reject",
        summary="A node cannot fulfil some lines: release them there and re-route them",
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def reject_order_lines(
        order_id: OrderId, request: Annotated[RejectRequest, Body()]
    ) -> Response[Any]:
        payload: dict[str, Any] = {"order_id": order_id, **request.model_dump(mode="json")}
        key = idempotency_key(router, f"{order_id}:{body_hash(payload)}")
        lines = [(line.line_id, line.qty) for line in request.lines]
        return idempotent_call(
            router,
            "reject_lines",
            key,
            payload,
            lambda: answer(
                lifecycle.reject_lines(current_database(), order_id, request.node_id, lines)
            ),
        )

    return router
