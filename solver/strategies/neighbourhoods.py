"""Improve a batch plan by re-deciding small groups of competing orders exactly (large
neighbourhood search over the column pool).

A MIP over every order that competes for scarce stock or capacity is too large for SCIP at 10k
orders (thousands of orders, tens of thousands of columns: it finds nothing better in minutes),
but the same MIP over a few hundred of them solves to optimality in about a second. So: pick a
group of orders that compete with each other, keep every other order's column, and let SCIP
choose the group's columns under what the others leave; keep the answer if it is cheaper.
Groups grow from an order that pays more than its cheapest column (its regret) through the
scarce resources it could use, so each MIP is about a contention the plan resolved badly. Given
the master LP's prices, a column's worth is its cost plus the priced resources it uses, so the
regret counts only what the scarcity does not explain: on one saved 10k pool, 120 s of groups
reached 357,816 and 357,858 that way against 357,933 and 358,053 by plain cost.

The plan never gets worse and never breaks a limit: a group's answer is applied only if it is
cheaper and fits what the other orders leave.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from solver.strategies.master import (
    Column,
    LimitOf,
    MipSolution,
    Resource,
    over_limits,
    solve_master_mip,
)

FIRST_SIZE = 300
"""Orders in the first group; the size then adapts to how fast SCIP proves optimality."""
SMALLEST, LARGEST = 30, 1000
"""Bounds on a group's size. Larger groups were measured to help less: on one 10k-order pool
(tight, 60 s, two threads), groups of up to 3,000 orders saved 1,340, up to 1,000 saved 6,134,
up to 600 saved 6,079 and up to 300 saved 5,654; SCIP's relative gap (1e-4) also hides more
in a large group."""
GROW = 1.3
BOX_SECONDS = 2.0
"""Time for one group's MIP."""
SEED = 20261123
THREADS = 2
"""Groups solved at once (the machine this is tuned on has 2 cores)."""


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

    def cheapest(self, order: int, worth: Callable[[int], float]) -> float:
        return min(worth(j) for j in self.by_order[order])

    def group(
        self, seed: int, size: int, rng: random.Random, banned: set[Resource]
    ) -> tuple[list[int], bool]:
        """Orders reached from `seed` through shared scarce resources, breadth first, none of
        which could use a `banned` resource; and whether they are all the orders so reached
        (then nothing outside the group competes with it: its MIP, solved to optimality, is
        the best the pool allows for them)."""
        members = {seed}
        frontier = deque([seed])
        whole = True
        while frontier and len(members) < size:
            order = frontier.popleft()
            resources = list(self.resources_of.get(order, ()))
            rng.shuffle(resources)
            for r in resources:
                others = [o for o in self.orders_of[r] if o not in members]
                allowed = [o for o in others if banned.isdisjoint(self.resources_of[o])]
                whole &= len(allowed) == len(others)
                room = size - len(members)
                if len(allowed) > room:
                    allowed = rng.sample(allowed, room)
                members.update(allowed)
                frontier.extend(allowed)
                if len(members) >= size:
                    break
        return sorted(members), whole and len(members) < size

    def scarce(self, group: Iterable[int]) -> set[Resource]:
        """Every scarce resource the group's orders could use."""
        return {r for o in group for r in self.resources_of.get(o, ())}

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


@dataclass
class _Attempt:
    seed: int
    group: list[int]
    whole: bool
    mine: list[int]
    left: LimitOf
    box: float
    mip: MipSolution | None = None
    took: float = 0.0


def improve_by_groups(
    columns: Sequence[Column],
    answer: list[int],
    limits: LimitOf,
    seconds: float,
    say: Callable[[str], None] = lambda _msg: None,
    prices: Mapping[Resource, float] | None = None,
) -> int:
    """Re-decide groups of competing orders for `seconds`; `answer` (order -> column) is
    improved in place. Returns how many groups improved it. `prices` (the master LP's, if
    given) weigh the choice of seeds; the MIPs always minimise cost.

    SCIP runs outside Python's lock, so `THREADS` groups are solved at once; groups solved
    together share no scarce resource, so each one's answer fits whatever the others do."""
    stop_at = time.monotonic() + seconds
    contention = _Contention.of(columns, answer, limits)
    if prices:
        priced = [c.cost + sum(prices.get(r, 0.0) * a for r, a in c.usage) for c in columns]
        worth: Callable[[int], float] = priced.__getitem__
    else:
        worth = lambda j: columns[j].cost  # noqa: E731
    regret = {o: worth(answer[o]) - contention.cheapest(o, worth) for o in contention.resources_of}
    rng = random.Random(SEED)
    size, tried, improved, saved = FIRST_SIZE, 0, 0, 0.0
    with ThreadPoolExecutor(THREADS) as pool:
        while time.monotonic() + 1.0 < stop_at:
            attempts: list[_Attempt] = []
            banned: set[Resource] = set()
            for _ in range(THREADS):
                seeds = [o for o, r in regret.items() if r > 1e-6]
                seeds = [o for o in seeds if banned.isdisjoint(contention.resources_of[o])]
                if not seeds:
                    break
                seed = rng.choices(seeds, weights=[regret[o] for o in seeds])[0]
                group, whole = contention.group(seed, size, rng, banned)
                banned |= contention.scarce(group)
                mine = [j for o in group for j in contention.by_order[o]]
                left = contention.left_for(group, answer)
                box = min(BOX_SECONDS, stop_at - time.monotonic())
                attempts.append(_Attempt(seed, group, whole, mine, left, box))
            if not attempts:
                break
            list(pool.map(lambda a: _solve(columns, answer, a), attempts))
            for attempt in attempts:
                tried += 1
                mip = attempt.mip
                if mip is None:
                    size = max(SMALLEST, int(size / GROW))
                    continue
                if mip.optimal and attempt.took < attempt.box / 2:
                    size = min(LARGEST, int(size * GROW) + 1)
                elif not mip.optimal:
                    size = max(SMALLEST, int(size / GROW))
                choice = {o: attempt.mine[k] for o, k in mip.picked.items()}
                before = sum(columns[answer[o]].cost for o in attempt.group)
                after = sum(columns[j].cost for j in choice.values())
                if after < before - 1e-6 and not over_limits(
                    columns, choice.values(), attempt.left
                ):
                    for o, j in choice.items():
                        contention.move(o, answer[o], j)
                        answer[o] = j
                        regret[o] = worth(j) - contention.cheapest(o, worth)
                    improved += 1
                    saved += before - after
                else:
                    regret[attempt.seed] *= 0.5  # tried: look elsewhere first
                if attempt.whole and mip.optimal:
                    for o in attempt.group:
                        regret[o] = 0.0  # settled: the best its columns allow
    say(
        f"groups of competing orders: {tried} MIPs, {improved} improved the plan by "
        f"{saved:,.2f} (last group size {size})"
    )
    return improved


def _solve(columns: Sequence[Column], answer: Sequence[int], attempt: _Attempt) -> None:
    start = [k for k, j in enumerate(attempt.mine) if answer[columns[j].order] == j]
    began = time.monotonic()
    attempt.mip = solve_master_mip(
        [columns[j] for j in attempt.mine], attempt.left, attempt.box, start
    )
    attempt.took = time.monotonic() - began
