"""Reshape demand for a scenario: more or fewer orders, another service mix, a region, more days.

Pure and deterministic: which orders are copied, dropped, moved or re-dated is drawn from a
numpy generator seeded by the change's `seed`, over the orders in their given sequence.
Copies get new ids `<order_id>~<n>` (n = 1, 2, ...) and keep everything else.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np

from solver.models import Order, OrderService

COPY_SEPARATOR = "~"


def copies_per_order(count: int, factor: float, seed: int) -> np.ndarray:
    """How many times each of `count` orders appears so that the total is round(count × factor):
    every order `floor(factor)` times, plus one more for a seeded draw of the remainder."""
    whole = math.floor(factor)
    extra = round(count * factor) - whole * count
    copies = np.full(count, whole, dtype=np.int64)
    if extra > 0:
        rng = np.random.default_rng(seed)
        copies[rng.choice(count, size=min(extra, count), replace=False)] += 1
    return copies


def _repeat(orders: Sequence[Order], copies: np.ndarray) -> tuple[Order, ...]:
    taken = {o.order_id for o in orders}
    out: list[Order] = []
    for order, n in zip(orders, copies, strict=True):
        if n >= 1:
            out.append(order)
        for k in range(1, int(n)):
            copy_id = f"{order.order_id}{COPY_SEPARATOR}{k}"
            while copy_id in taken:  # an input id that already looks like a copy
                copy_id += COPY_SEPARATOR
            taken.add(copy_id)
            out.append(order.model_copy(update={"order_id": copy_id}))
    return tuple(out)


def scale_demand(orders: Sequence[Order], factor: float, seed: int) -> tuple[Order, ...]:
    """round(len × factor) orders: whole copies of each, and a seeded sample for the rest."""
    return _repeat(orders, copies_per_order(len(orders), factor, seed))


def region_demand(
    orders: Sequence[Order], inside: np.ndarray, factor: float, only: bool, seed: int
) -> tuple[Order, ...]:
    """Scale the orders where `inside` is true; with `only`, drop all the others."""
    copies = np.where(inside, 0, 0 if only else 1).astype(np.int64)
    in_region = np.flatnonzero(inside)
    copies[in_region] = copies_per_order(len(in_region), factor, seed)
    return _repeat(orders, copies)


def shift_service_mix(
    orders: Sequence[Order],
    from_service: OrderService,
    to_service: OrderService,
    share: float,
    seed: int,
) -> tuple[Order, ...]:
    """Move round(share × n) of the n `from_service` orders to `to_service`.

    A moved order loses its own `promise_days` (the new service's default applies) and, if it
    was a pickup order, its pickup store."""
    candidates = [i for i, o in enumerate(orders) if o.service == from_service]
    count = round(share * len(candidates))
    rng = np.random.default_rng(seed)
    moved = set(rng.choice(candidates, size=count, replace=False).tolist()) if count else set()
    update = {"service": to_service, "promise_days": None, "pickup_node": None}
    return tuple(o.model_copy(update=update) if i in moved else o for i, o in enumerate(orders))


def order_day(order: Order) -> dt.date | None:
    """The calendar day of `created_at` (its first 10 characters, YYYY-MM-DD), if it has one."""
    if not order.created_at:
        return None
    try:
        return dt.date.fromisoformat(order.created_at[:10])
    except ValueError:
        return None


def spread_days(
    orders: Sequence[Order], days: int, start: dt.date | None, seed: int
) -> tuple[Order, ...]:
    """Give each order a seeded day among `days` days from `start`, keeping its time of day."""
    known = [d for d in (order_day(o) for o in orders) if d is not None]
    first = start or (min(known) if known else dt.date(2026, 1, 1))
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, days, size=len(orders))
    out = []
    for order, offset in zip(orders, offsets, strict=True):
        created = order.created_at or ""
        clock = created[10:] if order_day(order) is not None else "T12:00:00Z"
        day = first + dt.timedelta(days=int(offset))
        out.append(order.model_copy(update={"created_at": f"{day.isoformat()}{clock}"}))
    return tuple(out)
