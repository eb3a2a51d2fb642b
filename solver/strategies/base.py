"""What every strategy returns, and the order in which orders arrive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from solver.models import Order
from solver.pricing import ChosenShipment


@dataclass
class BatchDecision:
    """Shipments chosen per order (same order as the batch), plus what the strategy proved."""

    shipments: list[tuple[ChosenShipment, ...]]
    bound: float | None = None
    notes: list[str] = field(default_factory=list)
    work: float | None = None
    """Work units the search spent (see `solver.deadline.Budget`); None for the rules."""
    time_limit_hit: bool = False
    """Whether the wall-clock cap, not the work budget, ended some step of the search."""


def arrival_order(orders: Sequence[Order]) -> list[int]:
    """Indices of orders by `created_at` (orders without one keep their file position last)."""
    return sorted(
        range(len(orders)),
        key=lambda i: (orders[i].created_at is None, orders[i].created_at or "", i),
    )
