"""`optimal`: the whole batch planned together, with a proven lower bound.

1. Run the baselines (`myopic`, `nearest`, `priority`); their plans are the first columns and the
   best of them is the plan to beat: `optimal` never returns anything costlier.
2. Column generation: the master LP prices shared stock and capacity; each order is re-solved
   exactly by `solve_order` under prices. Every full pricing pass gives a Lagrangian lower
   bound: the sum over orders of the cheapest priced plan, less the priced limits. That holds
   for any prices, because each order's priced optimum is exact (or a proven bound). Prices are
   smoothed (Wentges): the pass uses a mix of the LP's duals and the prices that gave the best
   bound so far, which damps the oscillation of plain column generation.
3. A plan from the LP: orders whose LP answer is one whole column keep it; an LP dive and a
   small MIP settle the rest; each order is re-planned alone; then groups of competing orders
   are re-decided exactly, one MIP a group (`neighbourhoods.py`). With a small pool, a MIP over
   every column may improve it. Reported `bound` is the best Lagrangian bound; the gap is
   measured to it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from solver.deadline import Deadline
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_solver import NO_PRICES, OrderSolution, Prices, solve_order
from solver.pricing import ChosenShipment, OrderMethods, order_methods, price_order
from solver.resourcing import locked_decision
from solver.strategies.base import BatchDecision
from solver.strategies.master import (
    Column,
    LimitOf,
    LpSolution,
    MasterLp,
    Resource,
    ledger_limits,
    over_limits,
    prices_from,
    resource_limit,
    resource_usage,
    solve_master_mip,
)
from solver.strategies.myopic import plan_myopic, replan_baselines
from solver.strategies.neighbourhoods import improve_by_groups
from solver.strategies.pricing_helper import (
    PricingHelper,
    price_range,
    pricing_helper,
)
from solver.strategies.rules import plan_nearest, plan_priority

Progress = Callable[[str], None]
DEFAULT_MIP_SECONDS = 600.0
"""Cap on the integer master when the command has no time limit."""
SMOOTHING = 0.5
"""Weight of the best-bound prices in the prices a pass uses (0: plain column generation)."""
CLOSE_ENOUGH = 0.001
"""Column generation stops once the LP is this close (relative) to the bound."""
MIP_SHARE = 0.3
"""Share of the time limit kept for turning the LP into a plan."""
ADD_BELOW = -1e-6
"""A priced plan becomes a column when its reduced cost is below this."""
FULL_MIP_UP_TO = 200_000
"""Most columns for the MIP over every column (beyond, the plan from the LP stands)."""
WHOLE_POOL_MIP_UP_TO = 20_000
"""Up to this many columns the MIP over every column gets half the time left after the
groups of competing orders; beyond, the groups get it all (SCIP finds nothing better in the
big MIP: 45 s on 10k orders, 44k columns, measured)."""
DIVE_TO = 300
"""The LP dive stops when this few split orders are open; a MIP settles them together."""
SPARE_PER_ORDER = 2
"""Spare master columns per order (see `MasterLp`): column generation added 1.6 an order over
11 rounds on 10k tight orders, so the spares seldom run out."""
COLD_LP_SLOWER = 2.2
"""How much longer than the last LP the next one is taken to need when it starts from scratch
without presolve (see `MasterLp.cold_without_presolve`): without presolve the same 100k-order
LP took 1.85× as long, and the next master has a fifth more columns."""
KEEP_METHODS_UP_TO = 20_000
"""Batches of at most this many orders keep every order's method table between passes."""


@dataclass
class _Pool:
    columns: list[Column] = field(default_factory=list)
    index: dict[object, int] = field(default_factory=dict)

    def add(self, column: Column) -> int | None:
        """The new column's index, or None when the pool already has it."""
        if column.key in self.index:
            return None
        self.index[column.key] = len(self.columns)
        self.columns.append(column)
        return len(self.columns) - 1

    def index_of(self, column: Column) -> int:
        added = self.add(column)
        return self.index[column.key] if added is None else added


@dataclass
class _Batch:
    """One batch being planned: its orders and what prices their columns."""

    network: Network
    orders: Sequence[Order]
    ledger: Ledger
    sku_by_line: list[dict[str, str]]
    pool: _Pool = field(default_factory=_Pool)
    _methods: dict[int, OrderMethods] = field(default_factory=dict)

    def methods(self, i: int) -> OrderMethods:
        """Order i's method table, kept for batches small enough (about 40 kB an order)."""
        found = self._methods.get(i)
        if found is None:
            found = order_methods(self.network, self.orders[i])
            if len(self.orders) <= KEEP_METHODS_UP_TO:
                self._methods[i] = found
        return found

    def price_one(self, i: int, prices: Prices, settle_below: float) -> OrderSolution:
        """Order i's optimum under `prices` (see `solve_order`)."""
        return solve_order(
            self.network,
            self.orders[i],
            self.ledger,
            prices,
            self.methods(i),
            settle_below=settle_below,
        )

    def column(self, i: int, chosen: tuple[ChosenShipment, ...]) -> Column:
        plan = price_order(self.network, self.orders[i], chosen, self.methods(i))
        assert plan.breakdown is not None
        usage = resource_usage(self.network, self.sku_by_line[i], chosen)
        return Column(i, chosen, plan.breakdown.total, usage)

    def cost(self, picked: Sequence[int]) -> float:
        return sum(self.pool.columns[j].cost for j in picked)


def plan_optimal(
    network: Network,
    orders: Sequence[Order],
    deadline: Deadline,
    progress: Progress | None = None,
    max_rounds: int = 200,
) -> BatchDecision:
    say = progress or (lambda _msg: None)
    batch = _Batch(
        network,
        orders,
        Ledger.fresh(network),
        [{line.line_id: line.sku for line in o.lines} for o in orders],
    )
    for i in range(len(orders)):
        batch.pool.add(batch.column(i, locked_decision(network, orders[i])))
    if network.current is None:
        baselines = {
            "myopic": plan_myopic(network, orders, deadline),
            "nearest": plan_nearest(network, orders, deadline),
            "priority": plan_priority(network, orders, deadline),
        }
    else:  # spec §7: the rules would move locked units; keeping what can be kept is a plan
        baselines = replan_baselines(network, orders)
    baseline_picks = {
        name: [batch.pool.index_of(batch.column(i, chosen)) for i, chosen in enumerate(d.shipments)]
        for name, d in baselines.items()
    }
    best_name = min(baseline_picks, key=lambda k: batch.cost(baseline_picks[k]))
    say("baselines: " + ", ".join(f"{k} {batch.cost(v):,.2f}" for k, v in baseline_picks.items()))

    notes: list[str] = []
    total = deadline.seconds
    keep = (total or 0.0) * MIP_SHARE + 2.0
    stop_cg = (lambda: deadline.left() <= keep) if total is not None else (lambda: False)
    picked = baseline_picks[best_name]
    kept = best_name
    limits = ledger_limits(batch.ledger)
    with pricing_helper(batch.price_one, len(orders)) as helper:
        bound, lp = _generate_columns(
            batch, deadline, stop_cg, max_rounds, notes, say, keep, helper
        )

    if lp is not None:
        residual_seconds = _seconds(deadline, DEFAULT_MIP_SECONDS) / 2
        rounded = _plan_from_lp(batch, lp, limits, residual_seconds, deadline, say)
        if over_limits(batch.pool.columns, rounded, limits):
            notes.append("plan from the LP broke a limit; not used")
        elif batch.cost(rounded) < batch.cost(picked) - 1e-9:
            picked, kept = rounded, "LP-based"
        say(f"plan from the LP: {batch.cost(rounded):,.2f}")
    time_left = deadline.seconds is None or deadline.left() > 5
    if time_left and len(batch.pool.columns) <= FULL_MIP_UP_TO:
        full = solve_master_mip(
            batch.pool.columns, limits, _seconds(deadline, DEFAULT_MIP_SECONDS), picked
        )
        if full is not None:
            candidate = [full.picked[i] for i in range(len(orders))]
            if over_limits(batch.pool.columns, candidate, limits):
                notes.append("master MIP answer broke a limit; not used")
            elif batch.cost(candidate) < batch.cost(picked) - 1e-9:
                picked, kept = candidate, "master MIP"
            state = "optimal over the columns" if full.optimal else "stopped early"
            notes.append(f"master MIP: {state}")
    notes.append(f"plan kept: {kept}")
    shipments = [batch.pool.columns[j].chosen for j in picked]
    return BatchDecision(shipments, bound if bound > float("-inf") else None, notes)


def _seconds(deadline: Deadline, default: float) -> float:
    return deadline.left() - 1 if deadline.seconds is not None else default


def _generate_columns(
    batch: _Batch,
    deadline: Deadline,
    stop: Callable[[], bool],
    max_rounds: int,
    notes: list[str],
    say: Progress,
    keep_for_plan: float | None = None,
    helper: PricingHelper | None = None,
) -> tuple[float, LpSolution | None]:
    """Column generation with smoothed prices; the best bound and the last LP.

    The first pass prices nothing: every order's own optimum with the whole stock. Those sum to
    a lower bound (the batch less its sharing) that needs no LP, so even a batch too large for
    more than one pass gets a bound; its prices (none) are the first smoothing center."""
    started = time.monotonic()
    hard_stop = (lambda: deadline.left() < 3) if deadline.seconds is not None else stop
    priced_sum, complete, new = _pricing_pass(batch, {}, None, hard_stop, helper)
    bound = priced_sum if complete else float("-inf")
    center: dict[Resource, float] | None = {} if complete else None
    say(
        f"round 0 (no prices): {len(batch.pool.columns):,} columns (+{len(new)}), "
        f"bound {bound:,.2f} ({time.monotonic() - started:.1f} s)"
    )
    master = MasterLp(len(batch.orders), batch.ledger, spare=SPARE_PER_ORDER * len(batch.orders))
    master.add(batch.pool.columns)

    def lp_seconds() -> float:
        """An LP solve must end by the time column generation would stop."""
        if deadline.seconds is None:
            return float("inf")
        return max(1.0, deadline.left() - (keep_for_plan or 0.0))

    smoothing = SMOOTHING
    lp: LpSolution | None = None
    last: LpSolution | None = None
    for round_no in range(max_rounds):
        expect = COLD_LP_SLOWER if master.cold_without_presolve else 0.8
        if last is not None and lp_seconds() < expect * last.seconds:
            notes.append("column generation stopped: the next LP would not finish in time")
            lp = last
            break
        lp = master.solve(lp_seconds())
        if lp is None:
            notes.append("master LP did not finish in time; the plan comes from the last LP")
            lp = last
            break
        last = lp
        if lp.value - bound <= CLOSE_ENOUGH * abs(lp.value):
            break
        if stop():
            notes.append(f"column generation stopped by the time limit after {round_no} rounds")
            break
        weights = smoothing if center is not None else 0.0
        mixed = _mix(center or {}, lp.resource_prices, weights)
        started = time.monotonic()
        priced_sum, complete, new = _pricing_pass(batch, mixed, lp, stop, helper)
        if complete:
            value = priced_sum - sum(p * resource_limit(batch.ledger, r) for r, p in mixed.items())
            if value > bound:
                bound, center = value, mixed
        say(
            f"round {round_no + 1}: {len(batch.pool.columns):,} columns (+{len(new)}), "
            f"LP {lp.value:,.2f}, bound {bound:,.2f} (smoothing {weights:.2f}; "
            f"LP {lp.seconds:.1f} s, cpu {lp.cpu_seconds:.1f} s; "
            f"pricing {time.monotonic() - started:.1f} s)"
        )
        if not complete:
            notes.append(f"column generation stopped by the time limit in round {round_no + 1}")
            break
        if not new:
            if weights == 0.0:
                bound = max(bound, lp.value)  # nothing prices out: this LP is the full LP
                break
            smoothing = 0.0  # mispriced: the next pass uses the LP's own duals
            continue
        smoothing = SMOOTHING
        master.add(new)
        assert master.size == len(batch.pool.columns), "LP columns out of step with the pool"
    else:
        lp = master.solve(lp_seconds()) or last
    return bound, lp


def _pricing_pass(
    batch: _Batch,
    mixed: dict[Resource, float],
    lp: LpSolution | None,
    stop: Callable[[], bool],
    helper: PricingHelper | None = None,
) -> tuple[float, bool, list[Column]]:
    """Every order's optimum under the prices `mixed`: the sum of their values (a lower bound
    each), whether every order was priced, and the new columns (with `lp`: those whose reduced
    cost under the LP's own duals is negative; without: every plan found). Skips the exact MIP
    where no column can price out (near enough); without an LP, always: the relaxation's value
    is a lower bound all the same."""
    prices = prices_from(mixed, len(batch.network.nodes))
    settle = lp.order_duals if lp is not None else None
    if helper is not None:
        solved, complete = helper.price(len(batch.orders), prices, settle, stop)
    else:
        every = range(len(batch.orders))
        solved, complete = price_range(batch.price_one, every, prices, settle, stop)
    new: list[Column] = []
    priced_sum = 0.0
    for i, solution in solved:
        priced_sum += solution.lower_bound
        if not solution.chosen:
            continue
        if lp is not None:
            # The priced cost holds the plan's cost plus the mixed prices of what it uses.
            usage = resource_usage(batch.network, batch.sku_by_line[i], solution.chosen)
            reduced = solution.cost - lp.order_duals[i]
            reduced += sum(
                (lp.resource_prices.get(r, 0.0) - mixed.get(r, 0.0)) * a for r, a in usage
            )
            if reduced >= ADD_BELOW:
                continue
        col = batch.column(i, solution.chosen)
        if batch.pool.add(col) is not None:
            new.append(col)
    return priced_sum, complete, new


def _mix(
    center: dict[Resource, float], duals: dict[Resource, float], weight: float
) -> dict[Resource, float]:
    if weight == 0.0:
        return dict(duals)
    mixed = {r: (1 - weight) * p for r, p in duals.items()}
    for r, p in center.items():
        mixed[r] = mixed.get(r, 0.0) + weight * p
    return mixed


def _plan_from_lp(
    batch: _Batch,
    lp: LpSolution,
    limits: LimitOf,
    seconds: float,
    deadline: Deadline,
    say: Progress,
) -> list[int]:
    """Round the LP: orders it plans whole keep that column; the LP dive settles the others.
    Then each order is re-planned alone. Last, groups of competing orders are re-decided
    exactly for the time left (half of it when the pool is small enough for the MIP over
    every column that follows)."""
    columns = batch.pool.columns
    likely: dict[int, list[tuple[float, int]]] = {}
    for j, x in enumerate(lp.values):
        if x > 1e-9:
            likely.setdefault(columns[j].order, []).append((x, j))
    for options in likely.values():
        options.sort(reverse=True)
    whole = {o: options[0][1] for o, options in likely.items() if options[0][0] >= 1 - 1e-6}
    ledger = batch.ledger.copy()
    for order, j in whole.items():
        _take(batch, ledger, order, columns[j].chosen)
    picked = dict(whole)
    undecided = sorted((o for o in likely if o not in whole), key=lambda o: -likely[o][0][0])
    _dive(batch, ledger, picked, undecided, likely, deadline, say)
    rounded = [picked[i] for i in range(len(batch.orders))]
    say(f"LP rounded: {len(undecided):,} orders split by the LP; plan {batch.cost(rounded):,.2f}")
    _improve(batch, rounded, ledger, undecided, deadline)
    say(f"after re-planning those orders one by one: {batch.cost(rounded):,.2f}")
    _improve(batch, rounded, ledger, range(len(batch.orders)), deadline)
    say(f"after re-planning every order one by one: {batch.cost(rounded):,.2f}")

    # Groups of competing orders re-decided exactly, one group at a time (see
    # neighbourhoods.py). A small pool keeps half of what is left for the MIP over every column.
    left = _seconds(deadline, seconds)
    small = len(columns) <= WHOLE_POOL_MIP_UP_TO
    share = min(seconds, left / 2) if small else left - 1
    improve_by_groups(columns, rounded, limits, share, say, lp.resource_prices)
    return rounded


def _dive(
    batch: _Batch,
    ledger: Ledger,
    picked: dict[int, int],
    undecided: list[int],
    likely: dict[int, list[tuple[float, int]]],
    deadline: Deadline,
    say: Progress,
) -> None:
    """Settle the orders the LP splits: repeatedly solve the LP of the open orders alone on
    what is left (with a round of new columns priced on it), fix the open orders it plans
    whole and the most decided quarter of the rest, until none is open. Orders left open when
    time runs short take their likeliest column that fits, else their own optimum."""
    columns = batch.pool.columns
    remaining = list(undecided)
    steps = 0
    while (
        len(remaining) > DIVE_TO
        and (deadline.seconds is None or deadline.left() > 5)
        and steps < 400
    ):
        steps += 1
        local = {o: k for k, o in enumerate(remaining)}
        mine = [j for j, col in enumerate(columns) if col.order in local]
        master = MasterLp(len(remaining), ledger)
        master.add([replace(columns[j], order=local[columns[j].order]) for j in mine])
        lp = master.solve(_seconds(deadline, float("inf")))
        if lp is None:
            break
        if steps % 2 == 1 and _price_open_orders(batch, ledger, remaining, lp):
            continue  # the same open orders again, with the new columns
        best: dict[int, tuple[float, int]] = {}
        for k, x in enumerate(lp.values):
            order = columns[mine[k]].order
            if x > best.get(order, (-1.0, -1))[0]:
                best[order] = (x, mine[k])
        ranked = sorted(remaining, key=lambda o: -best[o][0])
        quarter = max(1, (len(ranked) - sum(best[o][0] >= 1 - 1e-6 for o in ranked)) // 4)
        fixed = 0
        for order in ranked:
            x, j = best[order]
            if x < 1 - 1e-6 and quarter == 0:
                break
            if x < 1 - 1e-6:
                quarter -= 1
            if _fits(ledger, columns[j].usage):
                picked[order] = j
                _take(batch, ledger, order, columns[j].chosen)
                fixed += 1
        if fixed == 0:
            break
        remaining = [o for o in remaining if o not in picked]
    say(f"LP dive: {len(undecided) - len(remaining):,} split orders settled in {steps} steps")
    if remaining:  # the last few together, exactly over their columns
        mine = [j for j, col in enumerate(columns) if col.order in set(remaining)]
        seconds = min(30.0, max(1.0, _seconds(deadline, 30.0) / 4))
        mip = solve_master_mip([columns[j] for j in mine], ledger_limits(ledger), seconds)
        if mip is not None:
            answer = {order: mine[k] for order, k in mip.picked.items()}
            if all(_fits(ledger, columns[j].usage) for j in answer.values()):
                for order, j in answer.items():
                    picked[order] = j
                    _take(batch, ledger, order, columns[j].chosen)
                remaining = [o for o in remaining if o not in picked]
    for order in remaining:
        _settle(batch, ledger, picked, order, likely.get(order, []))


def _settle(
    batch: _Batch,
    ledger: Ledger,
    picked: dict[int, int],
    order: int,
    options: Sequence[tuple[float, int]],
) -> None:
    """Give `order` its likeliest column that fits, else its own optimum with what is left."""
    columns = batch.pool.columns
    j = next((j for _, j in options if _fits(ledger, columns[j].usage)), -1)
    if j < 0:
        solution = solve_order(batch.network, batch.orders[order], ledger, NO_PRICES)
        j = batch.pool.index_of(batch.column(order, solution.chosen))
    picked[order] = j
    _take(batch, ledger, order, columns[j].chosen)


def _price_open_orders(batch: _Batch, ledger: Ledger, remaining: list[int], lp: LpSolution) -> bool:
    """Add the open orders' priced optima on what is left; whether any column was added."""
    added = False
    for k, order in enumerate(remaining):
        solution = solve_order(
            batch.network,
            batch.orders[order],
            ledger,
            lp.prices,
            batch.methods(order),
            settle_below=lp.order_duals[k],
        )
        if solution.chosen and solution.cost - lp.order_duals[k] < ADD_BELOW:
            added |= batch.pool.add(batch.column(order, solution.chosen)) is not None
    return added


def _improve(
    batch: _Batch, picked: list[int], ledger: Ledger, orders: Sequence[int], deadline: Deadline
) -> None:
    """Re-plan each order alone with what the others leave; keep it when it is cheaper."""
    columns = batch.pool.columns
    for n, order in enumerate(orders):
        if n % 64 == 0 and deadline.seconds is not None and deadline.left() < 3:
            return
        current = columns[picked[order]]
        _give_back(batch, ledger, order, current.chosen)
        solution = solve_order(batch.network, batch.orders[order], ledger, NO_PRICES)
        if solution.cost < current.cost - 1e-6:
            picked[order] = batch.pool.index_of(batch.column(order, solution.chosen))
        _take(batch, ledger, order, columns[picked[order]].chosen)


def _fits(ledger: Ledger, usage: Sequence[tuple[Resource, int]]) -> bool:
    return all(resource_limit(ledger, r) >= amount for r, amount in usage)


def _take(batch: _Batch, ledger: Ledger, order: int, chosen: Sequence[ChosenShipment]) -> None:
    for c in chosen:
        ledger.take(batch.network, batch.sku_by_line[order], c)


def _give_back(batch: _Batch, ledger: Ledger, order: int, chosen: Sequence[ChosenShipment]) -> None:
    for c in chosen:
        ledger.give_back(batch.network, batch.sku_by_line[order], c)
