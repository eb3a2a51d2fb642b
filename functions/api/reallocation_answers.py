"""What the reallocation and shipment routes answer, as models for the OpenAPI document (the
conventions of `answers.py`: exact models, every field listed; the bodies themselves are built by
`logic/reallocation/launch.py`, `reporting.py` and `logic/orders/shipments.py`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from functions.api.answers import ANSWER_CONFIG

ShipmentStateName = Literal["reserved", "released", "picked", "shipped"]


class _Answer(BaseModel):
    model_config = ANSWER_CONFIG


class ShipmentEventAnswer(_Answer):
    """The shipment's state after the report, and every shipment's state of the order."""

    order_id: str
    node_id: str
    state: ShipmentStateName
    version: int = Field(description="the order's version (moves on every change)")
    shipments: dict[str, ShipmentStateName] = Field(description="node_id -> state")


class RunLinks(_Answer):
    self: str


class ReallocationStarted(_Answer):
    reallocation_id: str = Field(description="the execution's name, derived from the trigger")
    status: Literal["running", "already_started"]
    trigger: dict[str, Any] = Field(description="the typed trigger (docs/reallocation.md)")
    dry_run: bool
    links: RunLinks


class RunProgress(_Answer):
    orders_in_scope: int
    chunks_done: int
    chunks_total: int


class Costs(_Answer):
    """Cost by part (spec §4, plus the §7 move penalty) and the total, to the cent."""

    carrier: float
    handling: float
    dropship: float
    split: float
    late: float
    unfilled: float
    move: float
    total: float


class ShipmentSummary(_Answer):
    node_id: str
    method: str
    units: int
    lines: dict[str, int] = Field(description="line_id -> units")


class ReallocatedOrder(_Answer):
    """One order the re-plan changed: what it held and holds, and why it moved."""

    order_id: str
    status: Literal["moved", "changed"]
    result: Literal["committed", "skipped", "dry_run", "not_committed"]
    skipped_because: str | None
    reason: dict[str, Any] | None = Field(
        description="code (node_inactive, fenced, method_not_allowed, stock_short, "
        "capacity_short, saving, made_room), message, nodes, skus, saving, penalty"
    )
    moved_units: int
    filled_units: int
    unfilled_units: int
    cost_before: float
    cost_after: float
    shipments_before: list[ShipmentSummary]
    shipments_after: list[ShipmentSummary]


class SkippedOrder(BaseModel):
    model_config = ConfigDict(extra="allow")

    order_id: str
    reason: str | None


class OrdersPage(_Answer):
    offset: int
    limit: int
    total: int


class ReallocationAnswer(BaseModel):
    """A run; the report's fields are there once it succeeded, `error` once it failed."""

    model_config = ConfigDict(extra="forbid")

    reallocation_id: str
    status: Literal["running", "succeeded", "failed"]
    trigger: dict[str, Any] | None
    dry_run: bool
    created_at: str | None
    updated_at: str | None
    progress: RunProgress
    error: str | None = Field(default=None, description="why the run failed (when failed)")
    strategy: str | None = None
    orders_considered: int | None = None
    orders_replanned: int | None = None
    orders_moved: int | None = None
    orders_changed: int | None = None
    orders_kept: int | None = None
    orders_skipped: int | None = None
    skipped: list[SkippedOrder] | None = None
    units_resourced: int | None = None
    backordered_units_filled: int | None = None
    units_newly_backordered: int | None = None
    locked_units: int | None = None
    cost_before: Costs | None = None
    cost_after: Costs | None = None
    bound: float | None = Field(default=None, description="proven lower bound of the re-plan")
    gap: float | None = Field(default=None, description="(cost after - bound) / bound")
    chunks: int | None = None
    stopped: str | None = Field(
        default=None,
        description="why the run moved nothing (more) although it succeeded, e.g. "
        "`node_reopened: W2 is active again` (a node-offline run whose node reopened before "
        "it committed: its changes are `skipped` with that reason)",
    )
    notes: list[str] | None = None
    orders: list[ReallocatedOrder] | None = Field(
        default=None, description="the changed orders, paged by offset and limit"
    )
    orders_page: OrdersPage | None = None
