"""Routes of the orders function: promise, orders, cancel, reject (spec §2 orders in, §6 plans
out)."""

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from functions.api.answers import BODY_ERRORS, OrderAnswer, PromiseAnswer, documented
from functions.api.idempotency import Answer, IdempotencyKeyHeader, body_hash, idempotent_call
from functions.api.ids import OrderIdPath
from functions.api.models import OrderRequest, PromiseRequest, RejectRequest
from functions.api.responses import json_response
from functions.dal.database import current_database
from functions.logic.orders import lifecycle
from functions.logic.orders.lifecycle import OrderChange
from functions.logic.orders.promise import promise
from functions.observability import MetricUnit, metrics, tracer


def unless_changed(order_id: str) -> Callable[[Any], Answer | None]:
    """For a replayed answer of an order call: the order's current state (200) if it changed
    since that answer (a retry after a cancel must not say "reserved")."""

    def current(replayed: Any) -> Answer | None:
        version = replayed.get("version") if isinstance(replayed, dict) else None
        now = lifecycle.changed_since(current_database(), order_id, version)
        return None if now is None else (200, now)

    return current


def answer(change: OrderChange) -> Answer:
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
        description=(
            "Per service (and per pickup store within 80 km) the cheapest plan now: its cost to "
            "us, the latest delivery day of its shipments, where it ships from and how many "
            "units it leaves unfilled. Nothing is reserved."
        ),
        responses=documented({200: ("The options", PromiseAnswer)}, *BODY_ERRORS),
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def post_promise(request: Annotated[PromiseRequest, Body()]) -> Response[Any]:
        return json_response(200, promise(current_database(), request.as_order()))

    @router.post(
        "/v1/orders",
        summary="Route an order with the per-order optimal plan and reserve it",
        description=(
            "Plans the order on the stock and capacity of this moment (the cheapest plan by "
            "spec §3-§4) and reserves it atomically. Answers 201 with the order's plan: "
            "shipments, cost and breakdown in cents, and per shipment the next-best "
            "alternative (the order's best plan without that node; null for orders of more "
            "than 20 lines). Units the plan does not ship are listed in `unfilled` and "
            "`backordered` and are not reserved: because no active node that serves the "
            "order's channel can ship them by an allowed method with the stock and capacity "
            "left now (a pickup at a store without pickup fills nothing), or because shipping "
            "them would cost more than leaving them unfilled (each unfilled unit is priced at "
            "`unfilled_penalty_factor` x its value, spec §4). `status` is `reserved` when the "
            "order holds a unit, `backordered` when it holds none.\n\n"
            "Retries: the same `order_id` (or `Idempotency-Key`) reserves once; a retry "
            "answers the first answer, or, if the order changed since (cancelled, re-routed), "
            "its current state with 200. The same id with other content: 422 "
            "`idempotency_key_reused`, or 409 `order_exists` once the key has expired. 409 "
            "`stock_changed`: stock kept changing between read and commit (nothing reserved); "
            "409 `order_in_progress`: another request is writing this order (Retry-After)."
        ),
        responses=documented(
            {
                201: ("The order is recorded: reserved or backordered", OrderAnswer),
                200: ("The order existed (a retry): its state now", OrderAnswer),
            },
            *BODY_ERRORS,
            409,
        ),
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def post_order(
        order: Annotated[OrderRequest, Body()], idempotency: IdempotencyKeyHeader = None
    ) -> Response[Any]:
        plain = order.as_order()
        key = idempotency or plain.order_id
        payload = plain.model_dump(mode="json")
        return idempotent_call(
            router,
            "create_order",
            key,
            payload,
            lambda: answer(lifecycle.create_order(current_database(), plain)),
            unless_changed(plain.order_id),
        )

    @router.get(
        "/v1/orders/<order_id>",
        summary="An order's plan and status",
        description="409 `order_in_progress` while the order is still being created.",
        responses=documented({200: ("The order", OrderAnswer)}, 404, 409, 422),
        tags=["routing"],
    )
    def get_order(order_id: OrderIdPath) -> Response[Any]:
        return json_response(200, lifecycle.get_order(current_database(), order_id))

    @router.post(
        "/v1/orders/<order_id>/cancel",
        summary="Cancel an order: release everything it holds",
        description="Cancelling a cancelled order changes nothing and answers it.",
        responses=documented({200: ("The cancelled order", OrderAnswer)}, 404, 409, 422),
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def cancel_order(
        order_id: OrderIdPath, idempotency: IdempotencyKeyHeader = None
    ) -> Response[Any]:
        key = idempotency or order_id
        return idempotent_call(
            router,
            "cancel_order",
            key,
            {"order_id": order_id},
            lambda: answer(lifecycle.cancel_order(current_database(), order_id)),
            unless_changed(order_id),
        )

    @router.post(
        "/v1/orders/<order_id>/reject",
        summary="A node cannot fulfil some lines: release them there and re-route them",
        description=(
            "The units leave the node's on hand (it could not find them, so they are not "
            "offered again there until a feed sets its on hand) and are re-planned on fresh "
            "data, never at that node nor any node that rejected this order before; what no "
            "other node can ship stays unfilled. 409 `order_not_reserved` for an order that "
            "holds nothing (backordered, cancelled)."
        ),
        responses=documented({200: ("The re-routed order", OrderAnswer)}, *BODY_ERRORS, 404, 409),
        tags=["routing"],
    )
    @tracer.capture_method(capture_response=False)
    def reject_order_lines(
        order_id: OrderIdPath,
        request: Annotated[RejectRequest, Body()],
        idempotency: IdempotencyKeyHeader = None,
    ) -> Response[Any]:
        payload: dict[str, Any] = {"order_id": order_id, **request.model_dump(mode="json")}
        key = idempotency or f"{order_id}:{body_hash(payload)}"
        lines = [(line.line_id, line.qty) for line in request.lines]
        return idempotent_call(
            router,
            "reject_lines",
            key,
            payload,
            lambda: answer(
                lifecycle.reject_lines(current_database(), order_id, request.node_id, lines, key)
            ),
            unless_changed(order_id),
        )

    return router
