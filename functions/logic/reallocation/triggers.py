"""What starts a reallocation, as typed values: the state machine's input names one trigger, and
every trigger has a name of its own that becomes the execution's name, so the same trigger
delivered twice runs once.

Triggers come from events on the bus (`from_event`: a node closed or its capacity cut, stock
below what is reserved, a node rejecting lines, stock arriving for backorders), from the
schedule (re-optimise what was routed in the last minutes) and from `POST /v1/reallocations`
(a scope, or any trigger kind by hand, e.g. to rehearse an outage with `dry_run`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.logic.errors import Invalid, field_error

MAX_NAME = 80
"""Step Functions' limit on an execution name."""
SCHEDULED_EVENT = "Scheduled Event"


class _Value(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeSku(_Value):
    node_id: str = Field(min_length=1, max_length=200)
    sku: str = Field(min_length=1, max_length=200)


class NodeTrigger(_Value):
    """A node went inactive (`node-offline`) or its capacity dropped (`node-capacity`): re-plan
    every open allocation at it. `version` is the config version of the change."""

    kind: Literal["node-offline", "node-capacity"]
    node_id: str = Field(min_length=1, max_length=200)
    version: int = Field(default=0, ge=0)

    def name(self) -> str:
        return f"{self.kind}-{self.node_id}-v{self.version}"


class StockShortTrigger(_Value):
    """A feed or an adjustment left less stock than is reserved (available < 0) at these
    (node, SKU): re-plan the open allocations of each SKU at its node."""

    kind: Literal["stock-short"]
    pairs: tuple[NodeSku, ...] = Field(min_length=1, max_length=1000)
    change_id: str = Field(min_length=1, max_length=100)

    def name(self) -> str:
        return f"{self.kind}-{self.change_id}"


class RejectedTrigger(_Value):
    """A node rejected lines as not in stock: fence each (node, SKU) until `fence_until` and
    re-plan every other open allocation of those SKUs at that node."""

    kind: Literal["rejected"]
    node_id: str = Field(min_length=1, max_length=200)
    skus: tuple[str, ...] = Field(min_length=1, max_length=200)
    fence_until: str = Field(description="ISO-8601 UTC; the fences stand until then")
    order_id: str | None = Field(default=None, max_length=200)
    """The order whose lines were rejected (already re-routed by the reject call)."""
    version: int = Field(default=0, ge=0)
    """That order's version after the reject (names the trigger)."""

    def name(self) -> str:
        if self.order_id is not None:
            return f"{self.kind}-{self.order_id}-v{self.version}"
        return f"{self.kind}-{self.node_id}-{_digest(','.join(self.skus), self.fence_until)}"

    def fence_epoch(self) -> float:
        return parse_time(self.fence_until).timestamp()


class StockArrivedTrigger(_Value):
    """Stock arrived for these SKUs: fill their backordered lines, oldest order first."""

    kind: Literal["stock-arrived"]
    skus: tuple[str, ...] = Field(min_length=1, max_length=1000)
    change_id: str = Field(min_length=1, max_length=100)

    def name(self) -> str:
        return f"{self.kind}-{self.change_id}"


class ScheduledTrigger(_Value):
    """The schedule: re-optimise together every open allocation routed in the `window_minutes`
    before `at`."""

    kind: Literal["scheduled"]
    window_minutes: int = Field(gt=0, le=7 * 24 * 60)
    at: str = Field(description="ISO-8601 UTC: the schedule's time")

    def name(self) -> str:
        stamp = parse_time(self.at).strftime("%Y%m%dT%H%M")
        return f"{self.kind}-{stamp}-{self.window_minutes}m"

    def window(self) -> tuple[str, str]:
        end = parse_time(self.at)
        start = end - dt.timedelta(minutes=self.window_minutes)
        return iso(start), iso(end)


class Scope(_Value):
    """Which open orders a manual reallocation re-plans: those matching every filter given
    (within a filter, any value): at one of `nodes`, holding or waiting for one of `skus`, in
    `order_ids`, routed within [`routed_after`, `routed_before`]. `all`: every open order."""

    nodes: tuple[str, ...] = Field(default=(), max_length=1000)
    skus: tuple[str, ...] = Field(default=(), max_length=1000)
    order_ids: tuple[str, ...] = Field(default=(), max_length=10_000)
    routed_after: str | None = None
    routed_before: str | None = None
    all: bool = False

    @model_validator(mode="after")
    def _names_something(self) -> Scope:
        given = self.nodes or self.skus or self.order_ids or self.routed_after or self.routed_before
        if not given and not self.all:
            raise ValueError(
                "the scope names no nodes, SKUs, orders or time window; "
                'say "all": true to re-plan every open order'
            )
        for name in ("routed_after", "routed_before"):
            value = getattr(self, name)
            if value is not None:
                try:
                    parse_time(value)
                except ValueError as error:
                    raise ValueError(f"{name}: {error}") from None
        return self


class ManualTrigger(_Value):
    """`POST /v1/reallocations` with a scope."""

    kind: Literal["manual"]
    scope: Scope
    request_id: str = Field(min_length=1, max_length=100)

    def name(self) -> str:
        return f"{self.kind}-{self.request_id}"


Trigger = Annotated[
    NodeTrigger
    | StockShortTrigger
    | RejectedTrigger
    | StockArrivedTrigger
    | ScheduledTrigger
    | ManualTrigger,
    Field(discriminator="kind"),
]
KINDS = (
    "node-offline",
    "node-capacity",
    "stock-short",
    "rejected",
    "stock-arrived",
    "scheduled",
    "manual",
)


class Run(_Value):
    """The state machine's input: one reallocation of one trigger."""

    reallocation_id: str = Field(min_length=1, max_length=MAX_NAME)
    bucket: str = Field(min_length=1)
    trigger: Trigger
    dry_run: bool = False
    chunk_orders: int | None = Field(default=None, gt=0)
    """Orders per chunk (default REALLOCATION_CHUNK_ORDERS)."""


class _TriggerOnly(_Value):
    trigger: Trigger


def parse_trigger(value: Any, where: str = "trigger") -> Trigger:
    """A trigger from JSON; `Invalid` naming each bad field."""
    from pydantic import ValidationError

    try:
        return _TriggerOnly.model_validate({"trigger": value}).trigger
    except ValidationError as error:
        raise Invalid(
            "invalid_trigger",
            "the trigger is not valid",
            [
                field_error(
                    ".".join([where, *(str(p) for p in e["loc"][1:] if not _is_tag(p))]),
                    e["msg"],
                )
                for e in error.errors()
            ],
        ) from error


def _is_tag(part: Any) -> bool:
    return isinstance(part, str) and part in KINDS


# --------------------------------------------------------------------------- names


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:12]


def reallocation_id(trigger: Trigger, dry_run: bool) -> str:
    """The execution's name: the trigger's, made a valid name (letters, digits, `-`, `_`,
    `.`; at most 80 characters). A dry run has a name of its own, so it never stands in the
    way of the real run of the same trigger."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", trigger.name())
    suffix = "-dry-run" if dry_run else ""
    if len(name) + len(suffix) > MAX_NAME:
        name = name[: MAX_NAME - len(suffix) - 13] + "-" + _digest(trigger.name())
    return name + suffix


# --------------------------------------------------------------------------- time


def parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone (add Z for UTC)")
    return parsed.astimezone(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------------- from events


def from_event(event: dict[str, Any], fence_minutes: float, window_minutes: int) -> list[Trigger]:
    """The triggers of one EventBridge event (a rule's target receives the whole event)."""
    kind, detail = event.get("detail-type"), event.get("detail") or {}
    if kind == SCHEDULED_EVENT:
        return [ScheduledTrigger(kind="scheduled", window_minutes=window_minutes, at=event["time"])]
    if kind == "NodeChanged":
        changes = set(detail.get("changes", ()))
        version = int(detail.get("version", 0))
        if "deactivated" in changes:
            return [NodeTrigger(kind="node-offline", node_id=detail["node_id"], version=version)]
        if "capacity_dropped" in changes:
            return [NodeTrigger(kind="node-capacity", node_id=detail["node_id"], version=version)]
        return []
    if kind == "StockShort":
        pairs = tuple(NodeSku(node_id=p["node_id"], sku=p["sku"]) for p in detail["pairs"])
        return [StockShortTrigger(kind="stock-short", pairs=pairs, change_id=detail["change_id"])]
    if kind == "StockArrived":
        return [
            StockArrivedTrigger(
                kind="stock-arrived", skus=tuple(detail["skus"]), change_id=detail["change_id"]
            )
        ]
    if kind == "LinesRejected":
        at = parse_time(event.get("time") or iso(dt.datetime.now(dt.UTC)))
        return [
            RejectedTrigger(
                kind="rejected",
                node_id=detail["node_id"],
                skus=tuple(detail["skus"]),
                order_id=detail.get("order_id"),
                version=int(detail.get("version", 0)),
                fence_until=iso(at + dt.timedelta(minutes=fence_minutes)),
            )
        ]
    return []
