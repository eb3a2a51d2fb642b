"""Pydantic models of the fulfilment model (spec §1, §2, §4, §6): what crosses the edges.

Rows of the dataset files, orders, settings and plans. Validation here is per record; checks
that need the whole dataset (unknown SKUs, duplicate ids, zone gaps) live in `solver/loading/`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NodeKind = Literal["warehouse", "store", "vendor", "dark_store"]
ParcelService = Literal["ground", "express", "next_day"]
OrderService = Literal["ground", "express", "next_day", "same_day", "pickup"]
Method = Literal["parcel", "same_day", "pickup", "transfer"]

PARCEL_SERVICES: tuple[ParcelService, ...] = ("ground", "express", "next_day")
ORDER_SERVICES: tuple[OrderService, ...] = ("ground", "express", "next_day", "same_day", "pickup")
NODE_KINDS: tuple[NodeKind, ...] = ("warehouse", "store", "vendor", "dark_store")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Node(_Record):
    """A place that can fulfil (nodes.csv). `None` capacity means no limit."""

    node_id: str = Field(min_length=1)
    kind: NodeKind
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    ships: bool
    pickup: bool
    same_day: bool
    same_day_radius_km: float = Field(default=0.0, ge=0)
    processing_days: int = Field(ge=0)
    handling_per_order: float = Field(ge=0)
    handling_per_unit: float = Field(ge=0)
    dropship_fee: float = Field(default=0.0, ge=0)
    max_orders_per_day: int | None = Field(default=None, ge=0)
    max_units_per_day: int | None = Field(default=None, ge=0)
    same_day_capacity: int | None = Field(default=None, ge=0)
    active: bool = True
    channels: tuple[str, ...] = ()


class Sku(_Record):
    """A product (skus.csv)."""

    sku: str = Field(min_length=1)
    weight_kg: float = Field(ge=0)
    unit_value: float = Field(ge=0)


class StockRow(_Record):
    """Stock of a SKU at a node (inventory.csv)."""

    node_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    on_hand: int = Field(ge=0)
    safety_stock: int = Field(default=0, ge=0)


class Zone(_Record):
    """A distance band (zones.csv); `max_km=None` is the open last band."""

    zone: str = Field(min_length=1)
    max_km: float | None = Field(default=None, ge=0)


class Rate(_Record):
    """A carrier price for a service, zone and weight band (rates.csv)."""

    service: ParcelService
    zone: str = Field(min_length=1)
    max_kg: float = Field(gt=0)
    cost: float = Field(ge=0)


class Transit(_Record):
    """A carrier transit time (transit.csv)."""

    service: ParcelService
    zone: str = Field(min_length=1)
    days: int = Field(ge=0)


class Settings(_Record):
    """Business weights (settings.json, spec §4)."""

    split_penalty: float = Field(default=4.0, ge=0)
    late_penalty_per_day: float = Field(default=6.0, ge=0)
    unfilled_penalty_factor: float = Field(default=1.0, ge=0)
    min_shipment_value: float = Field(default=0.0, ge=0)
    courier_base: float = Field(default=7.0, ge=0)
    courier_per_km: float = Field(default=0.9, ge=0)
    move_penalty_per_order: float = Field(default=3.0, ge=0)
    """Spec §7: paid once by each order a re-plan moves (has a moved unit)."""
    move_penalty_per_unit: float = Field(default=0.5, ge=0)
    """Spec §7: paid per moved unit."""
    default_promise_days: dict[OrderService, int] = Field(
        default_factory=lambda: {  # type: ignore[arg-type]
            "ground": 5,
            "express": 2,
            "next_day": 1,
            "same_day": 0,
            "pickup": 2,
        }
    )

    @field_validator("default_promise_days")
    @classmethod
    def _every_service_has_a_promise(cls, value: dict[str, int]) -> dict[str, int]:
        missing = [s for s in ORDER_SERVICES if s not in value]
        if missing:
            raise ValueError(f"missing promise days for {', '.join(missing)}")
        negative = [s for s, days in value.items() if days < 0]
        if negative:
            raise ValueError(f"promise days must be >= 0 (got a negative for {negative[0]})")
        return value


class Customer(_Record):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class OrderLine(_Record):
    line_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    qty: int = Field(gt=0)
    group: str | None = None


class Order(_Record):
    """An order (orders.jsonl, spec §2)."""

    order_id: str = Field(min_length=1)
    created_at: str | None = None
    channel: str | None = None
    customer: Customer
    service: OrderService
    pickup_node: str | None = None
    promise_days: int | None = Field(default=None, ge=0)
    max_shipments: int | None = Field(default=None, ge=1)
    lines: tuple[OrderLine, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _pickup_needs_a_store(self) -> Order:
        if self.service == "pickup" and not self.pickup_node:
            raise ValueError("a pickup order needs a pickup_node (the store the customer visits)")
        seen: set[str] = set()
        for line in self.lines:
            if line.line_id in seen:
                raise ValueError(f"duplicate line_id {line.line_id!r} in one order")
            seen.add(line.line_id)
        return self


class _PlanRecord(BaseModel):
    # A shipment with no rate prices as nan, which the checker reports (§3); plan files
    # themselves never carry one (`planfile.write_plan` refuses).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=True)


class PlanLine(_PlanRecord):
    line_id: str
    sku: str
    qty: int = Field(gt=0)
    locked: int | None = Field(default=None, ge=0)
    """Spec §7: of `qty`, the units picked, packed or shipped at the shipment's node (a current
    allocation says so; a re-plan keeps them there). None: nothing said (a plan of §6)."""


class Shipment(_PlanRecord):
    """One shipment of a plan (spec §6); costs as priced by `pricing.py`."""

    node_id: str
    method: Method
    service: str
    eta_days: int
    lines: tuple[PlanLine, ...]
    billable_kg: int
    carrier_cost: float
    handling_cost: float
    dropship_fee: float = 0.0


class CostBreakdown(_PlanRecord):
    """An order's cost by component; they add up to the order's cost."""

    carrier: float = 0.0
    handling: float = 0.0
    dropship: float = 0.0
    split: float = 0.0
    late: float = 0.0
    unfilled: float = 0.0
    move: float | None = None
    """Spec §7: the order's move penalty in a re-plan; None in a plan of §6."""

    @property
    def total(self) -> float:
        parts = self.carrier + self.handling + self.dropship + self.split + self.late
        return parts + self.unfilled + (self.move or 0.0)


class OrderPlan(_PlanRecord):
    order_id: str
    cost: float
    shipments: tuple[Shipment, ...] = ()
    unfilled: tuple[PlanLine, ...] = ()
    breakdown: CostBreakdown | None = None
    moved_units: int | None = Field(default=None, ge=0)
    """Spec §7: in a re-plan, the units taken from a node the current allocation had them at
    (locked units excluded); None in a plan of §6."""


class Fence(_Record):
    """A (node, SKU) a re-plan may not take units from; only locked units stay there (the
    node rejected the SKU as not in stock). Omniroute's extension of spec §7."""

    node_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)


class Plan(_PlanRecord):
    """A plan file (spec §6)."""

    dataset: str
    strategy: str
    total_cost: float
    bound: float | None = None
    orders: tuple[OrderPlan, ...]
    solve_seconds: float | None = None
    notes: tuple[str, ...] = ()
    move_cost: float | None = None
    """Spec §7: in a re-plan, the move penalties of every order (included in `total_cost`)."""
    fences: tuple[Fence, ...] | None = None
    """Fences a current allocation asks its re-plan to respect (read from `--current`)."""
    work: float | None = None
    """Work units the search spent (`solver.deadline.Budget`); None for the rules."""
    time_limit_hit: bool = False
    """The time limit, not the work budget, ended the search: another run may differ."""
