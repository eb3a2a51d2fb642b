"""Improve a batch plan by re-deciding small groups of competing orders exactly (large
neighbourhood search over the column pool).

A MIP over every order that competes for scarce stock or capacity is too large for SCIP at 10k
orders (thousands of orders, tens of thousands of columns: it finds nothing better in minutes),
but the same MIP over a few hundred of them solves to optimality in about a second. So: pick a
group of orders that compete with each other, keep every other order's column, and let SCIP
choose the group's columns under what the others leave; keep the answer if it is cheaper.
Groups grow from an order that pays more than its cheapest column (its regret) through the
scarce resources it could use, so each MIP is about a contention the plan resolved badly.

The plan never gets worse and never breaks a limit: a group's answer is applied only if it is
cheaper and fits what the other orders leave.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from solver.strategies.master import Column, LimitOf, Resource, solve_master_mip

FIRST_SIZE = 300
"""Orders in the first group; the size then adapts to how fast SCIP proves optimality."""
SMALLEST, LARGEST = 30, 3000
GROW = 1.3
BOX_SECONDS = 2.0
"""Time for one group's MIP."""
SEED = 20261123


@dataclass
class _Contention:
    """Which orders could use which scarce resources, and what the plan uses now."""

    columns: Sequence[Column]
    limits: LimitOf
    by_order: dict[int, list[int]] = field(default_factory=dict)
    orders_of: dict[Resource, list[int]] = field(default_factory=dict)
    resources_of: dict[int, list[Resource]] = field(default_factory=dict)
    used: dict[Resource, int] = field(default_factory=dict)

    @classmethod
    def of(cls, columns: Sequence[Column], answer: Sequence[int], limits: LimitOf) -> _Contention:
        found = cls(columns, limits)
        most: dict[Resource, dict[int, int]] = {}
        for j, col in enumerate(columns):
            found.by_order.setdefault(col.order, []).append(j)
            for r, amount in col.usage:
                per_order = most.setdefault(r, {})
                if amount > per_order.get(col.order, 0):
                    per_order[col.order] = amount
        for r, per_order in most.items():
            limit = limits(r)
            if limit is not None and sum(per_order.values()) > limit:
                found.orders_of[r] = sorted(per_order)
                for o in per_order:
                    found.resources_of.setdefault(o, []).append(r)
        for j in answer:
            for r, amount in columns[j].usage:
                found.used[r] = found.used.get(r, 0) + amount
        return found

    def cheapest(self, order: int) -> float:
        return min(self.columns[j].cost for j in self.by_order[order])

    def group(self, seed: int, size: int, rng: random.Random) -> tuple[list[int], bool]:
        """Orders reached from `seed` through shared scarce resources, breadth first, and
        whether they are all the orders so reached (then nothing outside the group competes
        with it: its MIP, solved to optimality, is the best the pool allows for them)."""
        members = {seed}
        frontier = deque([seed])
        while frontier and len(members) < size:
            order = frontier.popleft()
            resources = list(self.resources_of.get(order, ()))
            rng.shuffle(resources)
            for r in resources:
                others = [o for o in self.orders_of[r] if o not in members]
                room = size - len(members)
                if len(others) > room:
                    others = rng.sample(others, room)
                members.update(others)
                frontier.extend(others)
                if len(members) >= size:
                    break
        return sorted(members), len(members) < size

    def left_for(self, group: Sequence[int], answer: Sequence[int]) -> LimitOf:
        """Limits less what every order outside `group` uses."""
        own: dict[Resource, int] = {}
        for o in group:
            for r, amount in self.columns[answer[o]].usage:
                own[r] = own.get(r, 0) + amount

        def left(r: Resource) -> int | None:
            limit = self.limits(r)
            return None if limit is None else limit - (self.used.get(r, 0) - own.get(r, 0))

        return left

    def move(self, order: int, old: int, new: int) -> None:
        for r, amount in self.columns[old].usage:
            self.used[r] -= amount
        for r, amount in self.columns[new].usage:
            self.used[r] = self.used.get(r, 0) + amount


def improve_by_groups(
    columns: Sequence[Column],
    answer: list[int],
    limits: LimitOf,
    seconds: float,
    say: Callable[[str], None] = lambda _msg: None,
) -> int:
    """Re-decide groups of competing orders for `seconds`; `answer` (order -> column) is
    improved in place. Returns how many groups improved it."""
    stop_at = time.monotonic() + seconds
    contention = _Contention.of(columns, answer, limits)
    regret = {o: columns[answer[o]].cost - contention.cheapest(o) for o in contention.resources_of}
    rng = random.Random(SEED)
    size, tried, improved, saved = FIRST_SIZE, 0, 0, 0.0
    while time.monotonic() + 1.0 < stop_at:
        seeds = [o for o, r in regret.items() if r > 1e-6]
        if not seeds:
            break
        seed = rng.choices(seeds, weights=[regret[o] for o in seeds])[0]
        group, whole = contention.group(seed, size, rng)
        mine = [j for o in group for j in contention.by_order[o]]
        start = [k for k, j in enumerate(mine) if answer[columns[j].order] == j]
        left = contention.left_for(group, answer)
        box = min(BOX_SECONDS, stop_at - time.monotonic())
        began = time.monotonic()
        mip = solve_master_mip([columns[j] for j in mine], left, box, start)
        tried += 1
        if mip is None:
            size = max(SMALLEST, int(size / GROW))
            continue
        took = time.monotonic() - began
        if mip.optimal and took < box / 2:
            size = min(LARGEST, int(size * GROW) + 1)
        elif not mip.optimal:
            size = max(SMALLEST, int(size / GROW))
        choice = {o: mine[k] for o, k in mip.picked.items()}
        before = sum(columns[answer[o]].cost for o in group)
        after = sum(columns[j].cost for j in choice.values())
        if after < before - 1e-6 and _fits(columns, choice.values(), left):
            for o, j in choice.items():
                contention.move(o, answer[o], j)
                answer[o] = j
                regret[o] = columns[j].cost - contention.cheapest(o)
            improved += 1
            saved += before - after
        else:
            regret[seed] *= 0.5  # tried: look elsewhere first
        if whole and mip.optimal:
            for o in group:
                regret[o] = 0.0  # settled: the best its columns allow
    say(
        f"groups of competing orders: {tried} MIPs, {improved} improved the plan by "
        f"{saved:,.2f} (last group size {size})"
    )
    return improved


def _fits(columns: Sequence[Column], picked: Iterable[int], left: LimitOf) -> bool:
    used: dict[Resource, int] = {}
    for j in picked:
        for r, amount in columns[j].usage:
            used[r] = used.get(r, 0) + amount
    return all((limit := left(r)) is None or amount <= limit for r, amount in used.items())
