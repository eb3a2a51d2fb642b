"""Request bodies of the API (pydantic; Powertools validates them and documents them in the
OpenAPI document). Orders and stock rows are the solver's own models, so the API accepts what
the loader accepts from files; numbers and flags are strict here as the loader's JSON parsing
is (`"2"` is not a quantity, `true` is not 1)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from functions.api.errors import ApiError, validation_message
from functions.api.ids import ORDER_ID_MAX_LENGTH, ORDER_ID_PATTERN, ORDER_ID_RULE
from functions.api.limits import (
    MAX_ADJUSTMENT_ROWS,
    MAX_INVENTORY_ROWS,
    MAX_KEY_CHARS,
    MAX_LINE_QTY,
    MAX_ORDER_LINES,
    MAX_PROMISE_DAYS,
    MAX_UNITS,
)
from functions.logic.errors import field_error
from solver.loading import whole_order_problems
from solver.models import Customer, Order, OrderLine, StockRow


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _key(description: str) -> Any:
    """A SKU or node id: short enough to be a DynamoDB key."""
    return Field(min_length=1, max_length=MAX_KEY_CHARS, description=description)


class RequestLine(OrderLine):
    """An order line (spec §2) of at most MAX_LINE_QTY units."""

    sku: str = _key("a SKU of the catalogue")
    qty: int = Field(gt=0, le=MAX_LINE_QTY, strict=True)


class RequestCustomer(Customer):
    lat: float = Field(ge=-90, le=90, strict=True)
    lon: float = Field(ge=-180, le=180, strict=True)


def _as_order(content: dict[str, Any]) -> Order:
    """The solver's `Order`; its whole-order rules (pickup store, distinct line ids) answer
    422 with the fields named as the loader names them."""
    try:
        return Order.model_validate(content)
    except ValidationError as error:
        problems = whole_order_problems(content) or [
            (".".join(map(str, e["loc"])) or "body", validation_message(e)) for e in error.errors()
        ]
        raise ApiError(
            422,
            "invalid_request",
            "the request has invalid fields",
            [field_error(path, message) for path, message in problems],
        ) from error


class OrderRequest(Order):
    """An order (spec §2), at most MAX_ORDER_LINES lines."""

    order_id: str = Field(
        pattern=ORDER_ID_PATTERN,
        min_length=1,
        max_length=ORDER_ID_MAX_LENGTH,
        description=f"The order's id: {ORDER_ID_RULE}.",
    )
    customer: RequestCustomer
    pickup_node: str | None = Field(
        default=None, min_length=1, max_length=MAX_KEY_CHARS, description="the pickup store"
    )
    promise_days: int | None = Field(default=None, ge=0, le=MAX_PROMISE_DAYS, strict=True)
    max_shipments: int | None = Field(default=None, ge=1, le=MAX_ORDER_LINES, strict=True)
    lines: tuple[RequestLine, ...] = Field(min_length=1, max_length=MAX_ORDER_LINES)

    def as_order(self) -> Order:
        return _as_order(self.model_dump())


class PromiseRequest(_Body):
    """A cart and where it goes: the options a checkout page shows."""

    customer: RequestCustomer
    lines: tuple[RequestLine, ...] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    channel: str | None = None

    def as_order(self) -> Order:
        return _as_order(
            {
                "order_id": "promise",
                "channel": self.channel,
                "customer": self.customer.model_dump(),
                "service": "ground",
                "lines": [line.model_dump() for line in self.lines],
            }
        )


class RejectLine(_Body):
    line_id: str = Field(min_length=1)
    qty: int | None = Field(default=None, gt=0, strict=True)
    """Units the node cannot ship (default: all it was to ship of that line)."""


class RejectRequest(_Body):
    """A node cannot fulfil some lines: they are released there and re-routed elsewhere."""

    node_id: str = _key("the node that cannot ship the lines")
    lines: list[RejectLine] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    reason: str | None = None


class InventoryRow(StockRow):
    """A row of inventory.csv, with levels of at most MAX_UNITS."""

    node_id: str = _key("a node of the network")
    sku: str = _key("a SKU of the catalogue")
    on_hand: int = Field(ge=0, le=MAX_UNITS, strict=True)
    safety_stock: int = Field(default=0, ge=0, le=MAX_UNITS, strict=True)


class InventoryRequest(_Body):
    """Absolute stock levels (a WMS/POS feed): rows as in inventory.csv."""

    rows: list[InventoryRow] = Field(min_length=1, max_length=MAX_INVENTORY_ROWS)


class Adjustment(_Body):
    node_id: str = _key("a node of the network")
    sku: str = _key("a SKU of the catalogue")
    delta: int = Field(
        ge=-MAX_UNITS,
        le=MAX_UNITS,
        strict=True,
        description="units added to on hand (negative: removed); not 0",
    )
    reason: str | None = None


class AdjustmentsRequest(_Body):
    """Stock deltas, applied all together or not at all. `adjustment_id` makes a retry safe."""

    adjustment_id: str = Field(min_length=1, max_length=MAX_KEY_CHARS)
    rows: list[Adjustment] = Field(min_length=1, max_length=MAX_ADJUSTMENT_ROWS)


class NodeUpdate(_Body):
    """Open or close a node, or change its capacity (null: no limit). Absent fields stay."""

    active: bool | None = Field(default=None, strict=True)
    max_orders_per_day: int | None = Field(default=None, ge=0, le=MAX_UNITS, strict=True)
    max_units_per_day: int | None = Field(default=None, ge=0, le=MAX_UNITS, strict=True)
    same_day_capacity: int | None = Field(default=None, ge=0, le=MAX_UNITS, strict=True)


class ConfigRows(_Body):
    """Rows of zones.csv, rates.csv or transit.csv as JSON objects (column -> value)."""

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_INVENTORY_ROWS)
