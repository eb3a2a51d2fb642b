"""The what-if scenario file (YAML): a base dataset, defaults and named scenarios of changes.

Each change is one record of a discriminated union on `kind`; `changes.py` applies it. The
per-record rules live here (pydantic); rules that need the dataset (does node W9 exist?) are
checked by `changes.py` when the change is applied.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, model_validator

from solver.models import NodeKind, OrderService, ParcelService

StrategyName = Literal["optimal", "myopic", "nearest", "priority"]
Unlimited = Literal["unlimited"]
UNLIMITED: Unlimited = "unlimited"


def _whole_number_or_unlimited(least: int) -> PlainValidator:
    def check(value: object) -> int | str:
        if value == UNLIMITED:
            return UNLIMITED
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"must be a whole number >= {least} or {UNLIMITED}")
        return value

    return PlainValidator(check)


Limit = Annotated[int | Unlimited, _whole_number_or_unlimited(0)]
"""A daily capacity: a whole number, or `unlimited` (an empty cell in nodes.csv)."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Place(_Spec):
    """A point given as `lat` and `lon`, or as a US ZIP code (its centroid)."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    zip: str | None = Field(default=None, pattern=r"^\d{5}$")

    @model_validator(mode="after")
    def _one_way_to_say_where(self) -> Place:
        has_point = self.lat is not None or self.lon is not None
        if self.zip is not None and has_point:
            raise ValueError("give either zip or lat and lon, not both")
        if self.zip is None and (self.lat is None or self.lon is None):
            raise ValueError("give a zip, or both lat and lon")
        return self


class Area(Place):
    """Everything within `radius_km` (great-circle) of a point."""

    radius_km: float = Field(gt=0)


class _NodeChange(_Spec):
    """Which nodes a change touches: listed ids, node kinds, an area (all given ones must hold).

    `nearest` keeps only that many selected nodes, the closest to the area's centre first."""

    nodes: tuple[str, ...] = ()
    node_kinds: tuple[NodeKind, ...] = ()
    near: Area | None = None
    nearest: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _selects_something(self) -> _NodeChange:
        if not self.nodes and not self.node_kinds and self.near is None:
            raise ValueError("say which nodes: give nodes, node_kinds or near")
        if self.nearest is not None and self.near is None:
            raise ValueError("nearest needs near (the point to measure from)")
        return self


class CloseNodes(_NodeChange):
    """The selected nodes stop fulfilling (`active = false`)."""

    kind: Literal["close_nodes"]


class OpenNodes(_NodeChange):
    """The selected nodes fulfil again (`active = true`)."""

    kind: Literal["open_nodes"]


class OutageAt(_NodeChange):
    """The selected nodes go offline at `hour` (UTC, like `created_at`) of `day` (default: the
    run's first day) and stay offline. Orders routed before then are re-planned against their
    allocation (spec §7, move penalties from settings); those created `picked_after_hours` or
    more before the outage are picked by then, their units locked where they are."""

    kind: Literal["outage_at"]
    hour: float = Field(ge=0, lt=24)
    day: dt.date | None = None
    picked_after_hours: float | None = Field(default=None, ge=0)


class SetCapacity(_NodeChange):
    """Set daily limits, or scale the finite ones by `factor` (rounded down)."""

    kind: Literal["set_capacity"]
    max_orders_per_day: Limit | None = None
    max_units_per_day: Limit | None = None
    same_day_capacity: Limit | None = None
    factor: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _changes_something(self) -> SetCapacity:
        given = [self.max_orders_per_day, self.max_units_per_day, self.same_day_capacity]
        if self.factor is None and all(v is None for v in given):
            raise ValueError(
                "give factor or at least one of max_orders_per_day, max_units_per_day, "
                "same_day_capacity"
            )
        return self


class SetSameDay(_NodeChange):
    """Turn the same-day courier on or off; optionally set its radius and capacity."""

    kind: Literal["same_day"]
    enabled: bool
    radius_km: float | None = Field(default=None, ge=0)
    capacity: Limit | None = None


class SetPickup(_NodeChange):
    """Turn store pickup on or off."""

    kind: Literal["pickup"]
    enabled: bool


class ChangeStock(_Spec):
    """Scale or set on-hand and safety stock, at selected nodes (default all) and SKUs (all).

    Scaled quantities are rounded to the nearest unit."""

    kind: Literal["stock"]
    nodes: tuple[str, ...] = ()
    node_kinds: tuple[NodeKind, ...] = ()
    skus: tuple[str, ...] = ()
    on_hand_factor: float | None = Field(default=None, ge=0)
    on_hand: int | None = Field(default=None, ge=0)
    safety_stock_factor: float | None = Field(default=None, ge=0)
    safety_stock: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_change_per_quantity(self) -> ChangeStock:
        if self.on_hand is not None and self.on_hand_factor is not None:
            raise ValueError("give on_hand or on_hand_factor, not both")
        if self.safety_stock is not None and self.safety_stock_factor is not None:
            raise ValueError("give safety_stock or safety_stock_factor, not both")
        if all(
            v is None
            for v in (
                self.on_hand,
                self.on_hand_factor,
                self.safety_stock,
                self.safety_stock_factor,
            )
        ):
            raise ValueError("give on_hand, on_hand_factor, safety_stock or safety_stock_factor")
        return self


class AddNode(_Spec):
    """A new node. Fields not given are copied from the node named in `like`.

    Stock is copied from `stock_from` (default: none) and multiplied by `stock_factor`."""

    kind: Literal["add_node"]
    node_id: str = Field(min_length=1)
    node_kind: NodeKind | None = None
    location: Place
    like: str | None = None
    ships: bool | None = None
    pickup: bool | None = None
    same_day: bool | None = None
    same_day_radius_km: float | None = Field(default=None, ge=0)
    processing_days: int | None = Field(default=None, ge=0)
    handling_per_order: float | None = Field(default=None, ge=0)
    handling_per_unit: float | None = Field(default=None, ge=0)
    dropship_fee: float | None = Field(default=None, ge=0)
    max_orders_per_day: Limit | None = None
    max_units_per_day: Limit | None = None
    same_day_capacity: Limit | None = None
    channels: tuple[str, ...] | None = None
    stock_from: str | None = None
    stock_factor: float = Field(default=1.0, ge=0)


class ScaleRates(_Spec):
    """Multiply parcel rates of some services and zones (default: all) by `factor`."""

    kind: Literal["scale_rates"]
    factor: float = Field(ge=0)
    services: tuple[ParcelService, ...] = ()
    zones: tuple[str, ...] = ()


class ChangeTransit(_Spec):
    """Set transit days, or add (or take away, never below 0) days, by service and zone."""

    kind: Literal["transit"]
    services: tuple[ParcelService, ...] = ()
    zones: tuple[str, ...] = ()
    days: int | None = Field(default=None, ge=0)
    add_days: int | None = None

    @model_validator(mode="after")
    def _one_of_days(self) -> ChangeTransit:
        if (self.days is None) == (self.add_days is None):
            raise ValueError("give exactly one of days and add_days")
        return self


class ChangeSettings(_Spec):
    """Change business weights of settings.json (spec §4); promise days per service merge."""

    kind: Literal["settings"]
    split_penalty: float | None = Field(default=None, ge=0)
    late_penalty_per_day: float | None = Field(default=None, ge=0)
    unfilled_penalty_factor: float | None = Field(default=None, ge=0)
    min_shipment_value: float | None = Field(default=None, ge=0)
    courier_base: float | None = Field(default=None, ge=0)
    courier_per_km: float | None = Field(default=None, ge=0)
    move_penalty_per_order: float | None = Field(default=None, ge=0)
    move_penalty_per_unit: float | None = Field(default=None, ge=0)
    default_promise_days: dict[OrderService, Annotated[int, Field(ge=0)]] | None = None


class OrderRules(_Spec):
    """Per-order limits: `max_shipments` (`unlimited` lifts it) for orders of some services."""

    kind: Literal["order_rules"]
    max_shipments: Annotated[int | Unlimited, _whole_number_or_unlimited(1)]
    services: tuple[OrderService, ...] = ()


class ScaleDemand(_Spec):
    """Multiply the number of orders: copies get new ids `<id>~<n>`; chosen by `seed`."""

    kind: Literal["demand_volume"]
    factor: float = Field(ge=0)
    seed: int = 0


class ShiftServiceMix(_Spec):
    """Move a share of the orders of one service to another (their own promise is dropped)."""

    kind: Literal["service_mix"]
    from_service: OrderService
    to_service: Literal["ground", "express", "next_day", "same_day"]
    share: float = Field(ge=0, le=1)
    seed: int = 0

    @model_validator(mode="after")
    def _two_services(self) -> ShiftServiceMix:
        if self.from_service == self.to_service:
            raise ValueError("from_service and to_service are the same")
        return self


class RegionDemand(_Spec):
    """Scale the orders whose customer is within an area; `only` drops every other order."""

    kind: Literal["demand_region"]
    near: Area
    factor: float = Field(default=1.0, ge=0)
    only: bool = False
    seed: int = 0


class SpreadDays(_Spec):
    """Spread the orders over `days` consecutive days (time of day kept), from `start`
    (default: the earliest order's day); which order lands on which day is drawn by `seed`."""

    kind: Literal["spread_days"]
    days: int = Field(ge=1, le=366)
    start: dt.date | None = None
    seed: int = 0


Change = Annotated[
    CloseNodes
    | OpenNodes
    | OutageAt
    | AddNode
    | SetCapacity
    | ChangeStock
    | SetSameDay
    | SetPickup
    | ScaleRates
    | ChangeTransit
    | ChangeSettings
    | OrderRules
    | ScaleDemand
    | ShiftServiceMix
    | RegionDemand
    | SpreadDays,
    Field(discriminator="kind"),
]

CHANGE_KINDS: tuple[str, ...] = (
    "close_nodes",
    "open_nodes",
    "outage_at",
    "add_node",
    "set_capacity",
    "stock",
    "same_day",
    "pickup",
    "scale_rates",
    "transit",
    "settings",
    "order_rules",
    "demand_volume",
    "service_mix",
    "demand_region",
    "spread_days",
)


class Base(_Spec):
    """The dataset every scenario starts from; `changes` apply to the base and every scenario."""

    dataset: str = Field(min_length=1)
    """Dataset folder, relative to the scenario file."""
    orders: str | None = None
    """Orders file (JSONL), relative to the scenario file; default DATASET/orders.jsonl."""
    name: str = Field(default="base", min_length=1)
    changes: tuple[Change, ...] = ()


class Defaults(_Spec):
    strategy: StrategyName = "optimal"
    time_limit: float | None = Field(default=None, gt=0)
    """Seconds for the whole run (the command's --time-limit wins)."""


class Scenario(_Spec):
    description: str = ""
    strategy: StrategyName | None = None
    """Default: `defaults.strategy`."""
    changes: tuple[Change, ...] = ()


class ScenarioFile(_Spec):
    """The whole file. Its scenario names (file names, none the base's) are checked by
    `reading.py`, with the fields, so that every mistake is reported at once."""

    base: Base
    defaults: Defaults = Defaults()
    scenarios: dict[str, Scenario] = Field(default_factory=dict)
