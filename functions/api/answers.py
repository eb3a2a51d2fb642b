"""What each route answers, as models for the OpenAPI document: the body of every success and
the one error shape, per status (`documented`). Routes build their bodies as plain dicts (the use
cases' results); these models describe them exactly (no other field), and the schemathesis test
(tests/e2e/test_api_fuzz.py) checks every answer against them.

Plans reuse the solver's models (spec §6), so a field the solver adds to a plan is documented
with it.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict, Field

from solver.models import CostBreakdown, Node, OrderPlan, PlanLine, Shipment

ANSWER_CONFIG = ConfigDict(
    extra="forbid",
    # An answer carries every field, defaults included: documented as required.
    json_schema_mode_override="serialization",
    json_schema_serialization_defaults_required=True,
)


_SAID_WHEN_SET = ("moved_units", "locked", "move")
"""Spec §7's fields: in an answer only for a re-plan (`solver.planfile.order_plan_data`)."""


def _re_plan_fields_optional(schema: dict[str, Any]) -> None:
    schema["required"] = [n for n in schema.get("required", []) if n not in _SAID_WHEN_SET]


PLAN_ANSWER_CONFIG = ConfigDict(**ANSWER_CONFIG, json_schema_extra=_re_plan_fields_optional)
"""Answers made of the solver's plan models: every field required but those of spec §7."""


class _Answer(BaseModel):
    model_config = ANSWER_CONFIG


# --------------------------------------------------------------------------- errors


class Problem(BaseModel):
    """One thing wrong with a request: `path` into it (`lines[2].qty`, `path.order_id`,
    `header.Content-Type`, `body`) and what is wrong, in words. Some carry more (the SKU and
    nodes whose stock changed)."""

    model_config = ConfigDict(extra="allow")

    path: str
    message: str


class ErrorAnswer(_Answer):
    """Every error: a machine-readable `code`, a sentence, and each problem found."""

    code: str
    message: str
    errors: list[Problem]


# --------------------------------------------------------------------------- orders

OrderStatus = Literal["reserved", "backordered", "cancelled", "released", "picked", "shipped"]


class Alternative(_Answer):
    """The order's best plan without this shipment's node: why this node."""

    without_node: str
    cost: float
    extra_cost: float
    ships_from: list[str]
    unfilled_units: int


class LineAnswer(PlanLine):
    model_config = PLAN_ANSWER_CONFIG


class BreakdownAnswer(CostBreakdown):
    """The order's cost by part (spec §4), in cents, adding up to its cost."""

    model_config = PLAN_ANSWER_CONFIG


class ShipmentAnswer(Shipment):
    model_config = ANSWER_CONFIG

    lines: tuple[LineAnswer, ...]
    state: Literal["reserved", "released", "picked", "shipped"] = Field(
        description="what the node reported last (POST .../shipments/{node_id}/events); "
        "picked and shipped units are locked"
    )
    alternative: Alternative | None = Field(
        description="null for orders of more than 20 lines (each alternative is a re-solve)"
    )


class OrderAnswer(OrderPlan):
    """An order's plan (spec §6) and state. `unfilled` (spec §6) and `backordered` list the same
    units: those the order does not hold."""

    model_config = PLAN_ANSWER_CONFIG

    status: OrderStatus = Field(
        description="reserved: every unit it can fill is held; backordered: nothing is held "
        "(every unit unfilled); cancelled: released; released/picked/shipped: its shipments' "
        "progress (issue 11)"
    )
    day: str = Field(description="the day (UTC) whose capacity the order uses")
    version: int = Field(description="moves on every change of the order")
    excluded_nodes: list[str] = Field(description="nodes that rejected lines of this order")
    shipments: tuple[ShipmentAnswer, ...]
    unfilled: tuple[LineAnswer, ...]
    backordered: tuple[LineAnswer, ...]
    breakdown: BreakdownAnswer


class PromiseOption(_Answer):
    service: str
    pickup_node: str | None
    available: bool = Field(description="every unit ships, by this service")
    cost: float
    delivery_days: int | None
    ships_from: list[str]
    units_shipped: int
    units_unfilled: int


class PromiseAnswer(_Answer):
    options: list[PromiseOption]


# --------------------------------------------------------------------------- inventory and admin


class WriteAnswer(_Answer):
    applied_rows: int
    skus: int


class NodeStock(_Answer):
    node_id: str
    on_hand: int
    safety_stock: int
    reserved: int
    available: int = Field(
        description="on hand - safety - reserved; below 0 when a feed lowered on hand under "
        "what orders hold (a deficit: nothing new is planned there)"
    )


class StockTotals(_Answer):
    on_hand: int
    safety_stock: int
    reserved: int
    available: int


class SkuStockAnswer(_Answer):
    sku: str
    weight_kg: float
    unit_value: float
    nodes: list[NodeStock]
    totals: StockTotals


class CapacityUse(_Answer):
    day: str
    orders: int
    units: int
    same_day: int


class NodeAnswer(Node):
    model_config = ANSWER_CONFIG

    capacity_use: CapacityUse = Field(description="today's use (UTC)")


class ConfigAnswer(_Answer):
    name: Literal["rates", "zones", "transit", "settings"]
    version: int = Field(description="the network's config version after the change")


# --------------------------------------------------------------------------- scenarios


class JobLinks(_Answer):
    self: str
    report: str


class JobStarted(_Answer):
    job_id: str
    status: str
    created_at: str
    runs_on: str
    links: JobLinks


class JobProgress(_Answer):
    batches_done: int
    batches_total: int


class JobAnswer(BaseModel):
    """A job; `error`, `kpis` and `comparison` are there only once it failed or succeeded."""

    model_config = ConfigDict(extra="forbid")

    job_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    created_at: str | None
    updated_at: str | None
    scenarios: list[str]
    progress: JobProgress
    links: JobLinks
    error: str | None = Field(default=None, description="why the job failed (when failed)")
    kpis: dict[str, Any] | None = Field(default=None, description="kpis.json (when succeeded)")
    comparison: dict[str, Any] | None = Field(
        default=None, description="scenario -> metric -> value, base, delta (when succeeded)"
    )


# --------------------------------------------------------------------------- responses

ERRORS: dict[int, str] = {
    400: "The body cannot be read: not UTF-8 (`invalid_encoding`) or not JSON, nested too "
    "deep or with a number too long (`invalid_json`).",
    404: "What the request names does not exist (`*_not_found`).",
    409: "The request clashes with the current state; nothing changed (`stock_changed`, "
    "`order_exists`, `order_in_progress` with Retry-After, `request_in_progress`, ...).",
    413: "The body is larger than the documented limit (`body_too_large`).",
    415: "The body is not JSON (`unsupported_media_type`): send Content-Type: application/json.",
    422: "Fields are missing or invalid, or name unknown SKUs, nodes or lines "
    "(`invalid_request`, `unknown_reference`, ...); every problem is listed.",
}
BODY_ERRORS = (400, 413, 415, 422)
"""What any route that reads a body can answer besides its own errors."""


def _operation(path: str, method: str) -> str:
    """An operationRef: the JSON pointer of an operation of this document."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


_ORDER_ID = {"order_id": "$response.body#/order_id"}
ORDER_LINKS: dict[str, Any] = {
    "GetOrder": {
        "operationRef": _operation("/v1/orders/{order_id}", "get"),
        "parameters": _ORDER_ID,
    },
    "CancelOrder": {
        "operationRef": _operation("/v1/orders/{order_id}/cancel", "post"),
        "parameters": _ORDER_ID,
    },
    "RejectOrderLines": {
        "operationRef": _operation("/v1/orders/{order_id}/reject", "post"),
        "parameters": _ORDER_ID,
        "requestBody": {
            "node_id": "$response.body#/shipments/0/node_id",
            "lines": [{"line_id": "$response.body#/shipments/0/lines/0/line_id"}],
        },
    },
}
"""From an order answer to what can be done with that order (OpenAPI links: a client generator
and schemathesis' stateful phase follow them)."""


def documented(
    ok: dict[int, tuple[str, type[BaseModel] | None]],
    *errors: int,
    links: dict[str, Any] | None = None,
) -> dict[int, OpenAPIResponse]:
    """Powertools `responses=`: each success status with its description and model (None: an
    HTML page) and `links`, and each error status with the error shape."""
    out: dict[int, dict[str, Any]] = {}
    for status, (description, model) in ok.items():
        if model is None:
            content: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}
        else:
            content = {"application/json": {"model": model}}
        out[status] = {"description": description, "content": content}
        if links:
            out[status]["links"] = links
    for status in sorted(set(errors)):
        out[status] = {
            "description": ERRORS[status],
            "content": {"application/json": {"model": ErrorAnswer}},
        }
    return cast(dict[int, OpenAPIResponse], out)
