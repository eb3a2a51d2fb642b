"""Request bodies of the API (pydantic; Powertools validates them and documents them in the
OpenAPI document). Orders and stock rows are the solver's own models, so the API accepts
exactly what the loader accepts from files."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from functions.api.limits import MAX_ADJUSTMENT_ROWS, MAX_INVENTORY_ROWS, MAX_ORDER_LINES
from solver.models import Customer, Order, OrderLine, StockRow


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class OrderRequest(Order):
    """An order (spec §2), at most MAX_ORDER_LINES lines."""

    lines: tuple[OrderLine, ...] = Field(min_length=1, max_length=MAX_ORDER_LINES)

    def as_order(self) -> Order:
        return Order.model_validate(self.model_dump())


class PromiseRequest(_Body):
    """A cart and where it goes: the options a checkout page shows."""

    customer: Customer
    lines: tuple[OrderLine, ...] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    channel: str | None = None

    def as_order(self) -> Order:
        return Order(
            order_id="promise",
            channel=self.channel,
            customer=self.customer,
            service="ground",
            lines=self.lines,
        )


class RejectLine(_Body):
    line_id: str = Field(min_length=1)
    qty: int | None = Field(default=None, gt=0)
    """Units the node cannot ship (default: all it was to ship of that line)."""


class RejectRequest(_Body):
    """A node cannot fulfil some lines: they are released there and re-routed elsewhere."""

    node_id: str = Field(min_length=1)
    lines: list[RejectLine] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    reason: str | None = None


class InventoryRequest(_Body):
    """Absolute stock levels (a WMS/POS feed): rows as in inventory.csv."""

    rows: list[StockRow] = Field(min_length=1, max_length=MAX_INVENTORY_ROWS)


class Adjustment(_Body):
    node_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    delta: int = Field(description="units added to on hand (negative: removed); not 0")
    reason: str | None = None


class AdjustmentsRequest(_Body):
    """Stock deltas, applied all together or not at all. `adjustment_id` makes a retry safe."""

    adjustment_id: str = Field(min_length=1)
    rows: list[Adjustment] = Field(min_length=1, max_length=MAX_ADJUSTMENT_ROWS)


class NodeUpdate(_Body):
    """Open or close a node, or change its capacity (null: no limit). Absent fields stay."""

    active: bool | None = None
    max_orders_per_day: int | None = Field(default=None, ge=0)
    max_units_per_day: int | None = Field(default=None, ge=0)
    same_day_capacity: int | None = Field(default=None, ge=0)


class ConfigRows(_Body):
    """Rows of zones.csv, rates.csv or transit.csv as JSON objects (column -> value)."""

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_INVENTORY_ROWS)
