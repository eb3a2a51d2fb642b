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

Everything here is decided by work, not time, so the same pool gives the same plan on any
machine: each MIP has a node limit (a large group's MIP is SCIP's root node only: its presolve,
LP, cuts and heuristics; on a saved 10k pool that found as much per group as an unlimited
search, in a third of the time of the 2 s boxes it replaced), groups grow or shrink by the LP
iterations their MIP took, seeds are drawn from a fixed seed, and the two groups solved at
once are applied in a fixed order.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from solver.deadline import Budget
from solver.strategies.master import (
    Column,
    LimitOf,
    MipSolution,
    Resource,
    over_limits,
    solve_master_mip,
)
from solver.strategies.work import mip_work

FIRST_SIZE = 300
"""Orders in the first group; the size then adapts to how fast SCIP proves optimality."""
SMALLEST, LARGEST = 30, 1000
"""Bounds on a group's size. Larger groups were measured to help less: on one 10k-order pool
(tight, 60 s, two threads), groups of up to 3,000 orders saved 1,340, up to 1,000 saved 6,134,
up to 600 saved 6,079 and up to 300 saved 5,654; SCIP's relative gap (1e-4) also hides more
in a large group."""
GROW = 1.3
BOX_WORK = 2.0
"""Work units one group's MIP should take; a group whose root takes less than half of it grows."""
SEED = 20261123
THREADS = 2
"""Groups solved at once (the reference machine has 2 cores). It is not the machine's number of
cores: the pairs, and so the plan, must not depend on where it runs."""
SMALL_MIP_COLUMNS = 2_000
"""A group's MIP over at most this many columns may branch (`SMALL_MIP_NODES` nodes): small
MIPs prove their optimum in a few nodes, which settles the group. A larger one gets its root
only: on a saved 10k pool, roots found as much as unlimited searches in a fifth of the time,
and 20 nodes took one group from 4 s to 54 s."""
SMALL_MIP_NODES = 1_000
STALL_ROUNDS = 25
"""The groups stop after this many rounds in a row that improved nothing (the plan has settled
as far as its pool allows; more would only spend the budget)."""


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
    cap: float
    mip: MipSolution | None = None


def improve_by_groups(
    columns: Sequence[Column],
    answer: list[int],
    limits: LimitOf,
    work: float,
    budget: Budget,
    say: Callable[[str], None] = lambda _msg: None,
    prices: Mapping[Resource, float] | None = None,
    on_round: Callable[[float], None] = lambda _saved: None,
) -> int:
    """Re-decide groups of competing orders for `work` units (charged to `budget`); `answer`
    (order -> column) is improved in place. Returns how many groups improved it. `prices`
    (the master LP's, if given) weigh the choice of seeds; the MIPs always minimise cost.
    `on_round(saved)` hears after each round of groups how much they have saved so far.

    SCIP runs outside Python's lock, so `THREADS` groups are solved at once; groups solved
    together share no scarce resource, so each one's answer fits whatever the others do."""
    ends_at = budget.spent + work
    contention = _Contention.of(columns, answer, limits)
    if prices:
        priced = [c.cost + sum(prices.get(r, 0.0) * a for r, a in c.usage) for c in columns]
        worth: Callable[[int], float] = priced.__getitem__
    else:
        worth = lambda j: columns[j].cost  # noqa: E731
    regret = {o: worth(answer[o]) - contention.cheapest(o, worth) for o in contention.resources_of}
    rng = random.Random(SEED)
    size, tried, improved, saved, stalled = FIRST_SIZE, 0, 0, 0.0, 0
    with ThreadPoolExecutor(THREADS) as pool:
        while budget.spent < ends_at and stalled < STALL_ROUNDS and not budget.out_of_time(1.0):
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
                cap = budget.seconds_left(0.5)  # the node limit bounds the work
                attempts.append(_Attempt(seed, group, whole, mine, left, cap))
            if not attempts:
                break
            list(pool.map(lambda a: _solve(columns, answer, a), attempts))
            spent, improved_before = 0.0, improved
            for attempt in attempts:
                tried += 1
                mip = attempt.mip
                assert mip is not None
                took = mip_work(len(attempt.mine), mip.iterations)
                spent = max(spent, took)  # the groups of a round run side by side
                if mip.stopped_by_time:
                    budget.cut_short = True
                if mip.picked is None:
                    size = max(SMALLEST, int(size / GROW))
                    continue
                if mip.optimal and took < BOX_WORK / 2:
                    size = min(LARGEST, int(size * GROW) + 1)
                elif not mip.optimal or took > BOX_WORK:
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
            budget.charge(spent)
            stalled = 0 if improved > improved_before else stalled + 1
            on_round(saved)
    say(
        f"groups of competing orders: {tried} MIPs, {improved} improved the plan by "
        f"{saved:,.2f} (last group size {size})"
    )
    return improved


def _solve(columns: Sequence[Column], answer: Sequence[int], attempt: _Attempt) -> None:
    start = [k for k, j in enumerate(attempt.mine) if answer[columns[j].order] == j]
    nodes = SMALL_MIP_NODES if len(attempt.mine) <= SMALL_MIP_COLUMNS else 1
    attempt.mip = solve_master_mip(
        [columns[j] for j in attempt.mine],
        attempt.left,
        nodes=nodes,
        seconds=attempt.cap,
        start=start,
    )
