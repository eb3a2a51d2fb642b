"""`optimal`: the whole batch planned together, with a proven lower bound.

1. Run the baselines (`myopic`, `nearest`, `priority`); their plans are the first columns and the
   best of them is the plan to beat: `optimal` never returns anything costlier. Re-planning
   orders that hold an allocation (spec §7), the baselines are keeping what can be kept and
   re-sourcing one order at a time (`solver/resourcing.py`), and each order's first column
   ships only its locked units.
2. Column generation: the master LP prices shared stock and capacity; each order is re-solved
   exactly by `solve_order` under prices. Every full pricing pass gives a Lagrangian lower
   bound: the sum over orders of the cheapest priced plan, less the priced limits. That holds
   for any prices, because each order's priced optimum is exact (or a proven bound). Prices are
   smoothed (Wentges): the pass uses a mix of the LP's duals and the prices that gave the best
   bound so far, which damps the oscillation of plain column generation. A batch with work
   for only a few passes prices its first at scarcity prices instead (`scarcity.py`).
3. A plan from the LP: orders whose LP answer is one whole column keep it; an LP dive and a
   small MIP settle the rest; each order is re-planned alone; then groups of competing orders
   are re-decided exactly, one MIP a group (`neighbourhoods.py`). With a small pool, a MIP over
   every column may improve it. Reported `bound` is the best Lagrangian bound; the gap is
   measured to it.

Every choice of how far to go (another round, another group, when to stop) is made on the
work done (`solver.deadline.Budget`, counted by `work.py`), never on the clock, so the same
batch and budget give the same plan on any machine. The budget's wall-clock cap only stops a
step that runs late; the decision then records that the time limit ended the search.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace

from solver.deadline import Budget
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_solver import NO_PRICES, OrderSolution, Prices, solve_order
from solver.pricing import (
    ChosenShipment,
    OrderMethods,
    moved_units,
    order_methods,
    price_order,
)
from solver.resourcing import locked_decision, moves_that_pay
from solver.strategies.base import BatchDecision, arrival_order
from solver.strategies.master import (
    Column,
    LimitOf,
    LpSolution,
    MasterLp,
    Resource,
    column_key,
    ledger_limits,
    mip_rows,
    over_limits,
    prices_from,
    resource_limit,
    resource_usage,
    solve_master_mip,
)
from solver.strategies.myopic import plan_myopic, replan_baselines
from solver.strategies.neighbourhoods import improve_by_groups
from solver.strategies.progress import Progress, ProgressEvent, ignore
from solver.strategies.rules import plan_nearest, plan_priority
from solver.strategies.scarcity import clearing_prices
from solver.strategies.second_process import (
    SPLIT_FROM,
    SecondProcess,
    second_process,
    solve_orders,
)
from solver.strategies.work import (
    CLEARING_SECONDS,
    COLUMN_SECONDS,
    lp_iterations_for,
    lp_work,
    methods_work,
    mip_root_work,
    mip_work,
    order_solve_work,
    rule_work,
)

UNLIMITED_PLAN_WORK = 600.0
"""Work for turning the LP into a plan when the budget has no limit."""
SMOOTHING = 0.5
"""Weight of the best-bound prices in the prices a pass uses (0: plain column generation)."""
CLOSE_ENOUGH = 0.001
"""Column generation stops once the LP is this close (relative) to the bound."""
MIP_SHARE = 0.3
"""Share of the work budget kept for turning the LP into a plan."""
ADD_BELOW = -1e-6
"""A priced plan becomes a column when its reduced cost is below this."""
WHOLE_POOL_MIP_UP_TO = 20_000
"""Up to this many columns the MIP over every column gets half the work left after the
groups of competing orders; beyond, the groups get it all and there is no such MIP (SCIP
finds nothing better in the big MIP: 45 s on 10k orders, 44k columns, measured)."""
DIVE_TO = 300
"""The LP dive stops when this few split orders are open; a MIP settles them together."""
DIVE_SHARE = 0.4
"""Most of the work left for the plan that the LP dive may take, so that re-planning and the
groups of competing orders get the rest (on tight 100k orders the dive took 281 of 349 units in
78 steps, and the groups none; on tight 10k orders it takes 21 of 105)."""
DIVE_MIP_NODES = 200
"""Branch-and-bound nodes for the MIP that settles the last split orders of the dive."""
SPARE_PER_ORDER = 2
"""Spare master columns per order (see `MasterLp`): column generation added 1.6 an order over
11 rounds on 10k tight orders, so the spares seldom run out."""
COLD_LP_SLOWER = 2.2
"""How much more work than the last LP the next one is taken to need when it starts from
scratch without presolve (see `MasterLp.cold_without_presolve`): without presolve the same
100k-order LP took 1.85× as long, and the next master has a fifth more columns."""
WARM_LP_SHARE = 0.8
"""The work a warm LP is expected to take, as a share of the last one's."""
FEW_PASSES = 4
"""When the work left for the bound holds fewer priced passes than this after the first master
LP, the first priced pass is at the scarcity prices (`scarcity.py`) rather than at the LP's
duals, which prove little in the first rounds (on tight 10k orders: 158,832 at half of them,
below the 202,630 of no prices; 288,893 at the scarcity prices)."""
KEEP_METHODS_UP_TO = 20_000
"""Batches of at most this many orders keep every order's method table between passes."""
TIME_LIMIT_NOTE = (
    "the time limit stopped the search before its work budget was spent: "
    "another run may give a different plan"
)
CAP_MARGIN_SECONDS = 1.0
"""Wall-clock seconds before the cap at which a step stops (the cap is a safety net)."""


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
            if self.keeps_methods:
                self._methods[i] = found
        return found

    @property
    def keeps_methods(self) -> bool:
        return len(self.orders) <= KEEP_METHODS_UP_TO

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

    def column(
        self, i: int, chosen: tuple[ChosenShipment, ...], methods: OrderMethods | None = None
    ) -> Column:
        plan = price_order(self.network, self.orders[i], chosen, methods or self.methods(i))
        assert plan.breakdown is not None
        usage = resource_usage(self.network, self.sku_by_line[i], chosen)
        return Column(i, chosen, plan.breakdown.total, usage)

    def cost(self, picked: Sequence[int]) -> float:
        return sum(self.pool.columns[j].cost for j in picked)

    def solve_work(self, i: int, *, priced: bool) -> float:
        """The work of solving order i once (its method table included when not kept)."""
        found = order_solve_work(self.network, self.orders[i], priced=priced)
        return found if self.keeps_methods else found + methods_work(self.network)

    def column_work(self) -> float:
        return COLUMN_SECONDS if self.keeps_methods else COLUMN_SECONDS + methods_work(self.network)

    def solves_work(self, orders: Sequence[int] | range, *, priced: bool) -> float:
        """The work of solving `orders` once each, one after the other."""
        return sum(self.solve_work(i, priced=priced) for i in orders)

    def pass_work(self, *, priced: bool, shared: bool) -> float:
        """The work of solving every order once: half of it when `shared` with a second
        process (see `_shares_passes`; on a machine where none starts it takes longer)."""
        total = self.solves_work(range(len(self.orders)), priced=priced)
        return total / 2 if shared else total


@dataclass
class _Search:
    """The budget, who listens, and the best plan and bound found so far."""

    budget: Budget
    listen: Progress
    best: float | None = None
    bound: float | None = None
    notes: list[str] = field(default_factory=list)

    def report(self, phase: str, message: str, detail: str = "") -> None:
        self.listen(
            ProgressEvent(
                phase,
                message,
                self.best,
                self.bound,
                self.budget.spent,
                self.budget.work,
                detail,
            )
        )

    def out_of_time(self) -> bool:
        """Whether the wall-clock cap (not the budget) must stop the step under way."""
        return self.budget.out_of_time(CAP_MARGIN_SECONDS)

    def seconds(self) -> float:
        """The wall-clock cap left for one solver call."""
        return self.budget.seconds_left(CAP_MARGIN_SECONDS)


def plan_optimal(
    network: Network,
    orders: Sequence[Order],
    budget: Budget | None = None,
    progress: Progress | None = None,
    max_rounds: int = 200,
) -> BatchDecision:
    budget = budget or Budget(None)
    search = _Search(budget, progress or ignore)
    batch = _Batch(
        network,
        orders,
        Ledger.fresh(network),
        [{line.line_id: line.sku for line in o.lines} for o in orders],
    )
    if network.current is None:
        shipments, bound = _search_plan(batch, search, max_rounds)
    else:
        # Spec §7: no order stays moved where going back pays. That last step must run
        # whatever the search spends, so its most (every held order re-decided) is kept aside.
        held = [i for i, o in enumerate(orders) if network.current.of(o.order_id) is not None]
        with budget.keeping(_redecide_work(batch, held)):
            shipments, bound = _search_plan(batch, search, max_rounds)
        moved = [
            i for i in held if moved_units(network.current.of(orders[i].order_id), shipments[i])
        ]
        shipments = moves_that_pay(network, orders, arrival_order(orders), shipments)
        budget.charge(_redecide_work(batch, moved))
    if budget.cut_short:
        search.notes.append(TIME_LIMIT_NOTE)
    search.report("done", "done")
    return BatchDecision(
        shipments,
        bound if bound > float("-inf") else None,
        search.notes,
        work=budget.spent,
        time_limit_hit=budget.cut_short,
    )


def _search_plan(
    batch: _Batch, search: _Search, max_rounds: int
) -> tuple[list[tuple[ChosenShipment, ...]], float]:
    """Steps 1 to 3 of the module: the plan (each order's shipments) and the best bound."""
    network, orders, budget = batch.network, batch.orders, search.budget
    search.report("rules", "planning with the simple rules (arrival order, nearest, priority)")
    limits = ledger_limits(batch.ledger)
    plan_work = UNLIMITED_PLAN_WORK if budget.work is None else MIP_SHARE * budget.work
    shared = _shares_passes(batch, budget)
    helping = second_process(batch.price_one, network, orders) if shared else nullcontext()
    with helping as helper:
        baseline_picks, made = _baselines(batch, helper)
        budget.charge(_rules_work(batch, made, shared))
        best_name = min(baseline_picks, key=lambda k: batch.cost(baseline_picks[k]))
        picked = baseline_picks[best_name]
        kept = best_name
        search.best = batch.cost(picked)
        search.report(
            "rules",
            f"the best simple rule ({best_name}) costs {search.best:,.2f}",
            "baselines: "
            + ", ".join(f"{k} {batch.cost(v):,.2f}" for k, v in baseline_picks.items()),
        )
        bound, lp = _generate_columns(batch, search, max_rounds, plan_work, helper)

    if lp is not None:
        rounded = _plan_from_lp(batch, lp, limits, search, plan_work)
        if over_limits(batch.pool.columns, rounded, limits):
            search.notes.append("plan from the LP broke a limit; not used")
        elif batch.cost(rounded) < batch.cost(picked) - 1e-9:
            picked, kept = rounded, "LP-based"
            search.best = batch.cost(picked)
        search.report(
            "improve", "improving the plan", f"plan from the LP: {batch.cost(rounded):,.2f}"
        )
    full_work = budget.left() if budget.work is not None else UNLIMITED_PLAN_WORK
    columns = batch.pool.columns
    rows = mip_rows(columns, limits) if len(columns) <= WHOLE_POOL_MIP_UP_TO else 0
    if (
        len(columns) <= WHOLE_POOL_MIP_UP_TO
        and full_work >= mip_root_work(len(columns), rows)
        and not search.out_of_time()
    ):
        search.report("improve", "improving the plan: one search over every candidate plan")
        full = solve_master_mip(
            columns,
            limits,
            nodes=_nodes_for(full_work, len(columns)),
            seconds=search.seconds(),
            start=picked,
        )
        budget.charge(mip_work(len(columns), full.iterations, rows))
        if full.stopped_by_time:
            budget.cut_short = True
        if full.picked is not None:
            candidate = [full.picked[i] for i in range(len(orders))]
            if over_limits(columns, candidate, limits):
                search.notes.append("master MIP answer broke a limit; not used")
            elif batch.cost(candidate) < batch.cost(picked) - 1e-9:
                picked, kept = candidate, "master MIP"
                search.best = batch.cost(picked)
            state = "optimal over the columns" if full.optimal else "stopped at its node limit"
            search.notes.append(f"master MIP: {state}")
    search.notes.append(f"plan kept: {kept}")
    return [columns[j].chosen for j in picked], bound


def _redecide_work(batch: _Batch, orders: Sequence[int]) -> float:
    """`moves_that_pay` over `orders`: each priced, then solved alone with its method table."""
    network = batch.network
    return sum(
        order_solve_work(network, batch.orders[i], priced=False)
        + methods_work(network)
        + 2 * COLUMN_SECONDS
        for i in orders
    )


def _baselines(batch: _Batch, helper: SecondProcess | None) -> tuple[dict[str, list[int]], int]:
    """The rules' plans as columns of the pool: name -> the column each order gets, and how
    many columns were made.

    The second process, where there is one, plans `nearest` and `priority` while this one
    plans `myopic`. Columns are made order by order (one method table an order), and only for
    plans the pool does not have yet; the first column of each order ships only its locks."""
    network, orders = batch.network, batch.orders
    plans = _replan_baselines(network, orders)
    if not plans:
        rules = helper.start_rules() if helper is not None else None
        plans["myopic"] = plan_myopic(network, orders).shipments
        if rules is not None:
            plans["nearest"], plans["priority"] = rules.get()
        else:
            plans["nearest"] = plan_nearest(network, orders).shipments
            plans["priority"] = plan_priority(network, orders).shipments
    picks: dict[str, list[int]] = {name: [] for name in plans}
    made = 0
    for i in range(len(orders)):
        methods = None
        for chosen in (locked_decision(network, orders[i]), *(p[i] for p in plans.values())):
            if column_key(i, chosen) not in batch.pool.index:
                methods = methods or batch.methods(i)
                batch.pool.add(batch.column(i, chosen, methods))
                made += 1
        for name, p in plans.items():
            picks[name].append(batch.pool.index[column_key(i, p[i])])
    return picks, made


def _replan_baselines(
    network: Network, orders: Sequence[Order]
) -> dict[str, list[tuple[ChosenShipment, ...]]]:
    """Spec §7: the rules would move locked units, so a re-plan starts from keeping what can
    be kept and from re-sourcing one order at a time; {} when the network does not re-plan."""
    if network.current is None:
        return {}
    return {name: list(d.shipments) for name, d in replan_baselines(network, orders).items()}


def _shares_passes(batch: _Batch, budget: Budget) -> bool:
    """Whether the batch's passes (and baselines) are charged as shared with a second process:
    by the caller's setting and the batch's size, never by what this machine can start."""
    return budget.shared_passes and len(batch.orders) >= SPLIT_FROM


def _rules_work(batch: _Batch, columns: int, shared: bool) -> float:
    """The three baselines (side by side when `shared`: a second process plans the rules) and
    the `columns` columns made of their plans; a re-plan's two baselines are taken to cost what
    `myopic` does."""
    n = len(batch.orders)
    network = batch.network
    myopic = sum(order_solve_work(network, o, priced=False) for o in batch.orders)
    myopic += n * methods_work(network)
    rules = 2 * n * (methods_work(network) + rule_work(network)) if network.current is None else 0
    side_by_side = max(myopic, rules) if shared else myopic + rules
    return side_by_side + n * methods_work(network) + columns * COLUMN_SECONDS


def _nodes_for(work: float, columns: int) -> int:
    """Branch-and-bound nodes a MIP over `columns` columns may explore within `work` units
    (a node is taken to cost 5 ms and a microsecond a column: a few dozen LP iterations)."""
    per_node = 5e-3 + 1e-6 * columns
    return max(1, int(work / per_node))


def _generate_columns(
    batch: _Batch,
    search: _Search,
    max_rounds: int,
    keep_for_plan: float,
    helper: SecondProcess | None = None,
) -> tuple[float, LpSolution | None]:
    """Column generation with smoothed prices; the best bound and the last LP.

    The first pass prices nothing: every order's own optimum with the whole stock. Those sum to
    a lower bound (the batch less its sharing) that needs no LP, so even a batch too large for
    more than one pass gets a bound; its prices (none) are the first smoothing center.

    It stops, by work: when the LP is close enough to the bound, when nothing prices out, after
    `max_rounds`, when the work left (less `keep_for_plan`) would not cover the next LP or the
    next pass. The wall-clock cap stops a pass or an LP under way."""
    budget = search.budget
    n = len(batch.orders)

    def left() -> float:
        return budget.left() - keep_for_plan

    search.report("bound", "proving a lower bound: every order's own best plan")
    priced_sum, complete, new, own_best = _pricing_pass(batch, search, {}, None, helper, "first")
    shared = _shares_passes(batch, budget)
    budget.charge(batch.pass_work(priced=False, shared=shared) + len(new) * batch.column_work())
    if not complete:
        own_best = []
    bound = priced_sum if complete else float("-inf")
    center: dict[Resource, float] | None = {} if complete else None
    if complete:
        search.bound = bound
    search.report(
        "bound",
        "proving a lower bound",
        f"round 0 (no prices): {len(batch.pool.columns):,} columns (+{len(new)}), "
        f"bound {bound:,.2f}",
    )
    master = MasterLp(n, batch.ledger, spare=SPARE_PER_ORDER * n)
    master.add(batch.pool.columns)
    added = len(batch.pool.columns)
    pass_work = batch.pass_work(priced=True, shared=shared)
    scarcity_work = batch.pass_work(
        priced=False, shared=shared
    )  # no MIPs: 4.9 s against 5.3 s on tight 10k

    smoothing = SMOOTHING
    lp: LpSolution | None = None
    last: LpSolution | None = None
    last_work = 0.0
    for round_no in range(max_rounds):
        expect = COLD_LP_SLOWER if master.cold_without_presolve else WARM_LP_SHARE
        if last is not None and left() < expect * last_work:
            search.notes.append(
                "column generation stopped: the next LP would not fit in the budget"
            )
            lp = last
            break
        search.report(
            "bound",
            f"proving a lower bound: weighing scarce stock and capacity (round {round_no + 1})",
        )
        limit = (
            None
            if budget.work is None
            else lp_iterations_for(max(0.0, left()), master.rows, master.presolves_next)
        )
        lp = master.solve(limit, search.seconds())
        last_work = lp_work(master.last_iterations, master.rows, added, master.last_presolved)
        budget.charge(last_work)
        added = 0
        if lp is None:
            if master.stopped_by_time:
                budget.cut_short = True
                search.notes.append(
                    "master LP stopped by the time limit; the plan comes from the last LP"
                )
            else:
                search.notes.append(
                    "master LP did not finish within the budget; the plan comes from the last LP"
                )
            lp = last
            break
        last = lp
        if lp.value - bound <= CLOSE_ENOUGH * abs(lp.value):
            break
        # A batch with work for few passes prices its first at the scarcity prices, with no
        # exact MIP for an order whose relaxation already bounds it (as the first pass): that
        # pass may take up to half of the work kept for the plan.
        scarce: dict[Resource, float] = {}
        if round_no == 0 and own_best and left() < FEW_PASSES * pass_work:
            scarce = clearing_prices(batch.network, batch.orders, batch.ledger, own_best)
            budget.charge(n * CLEARING_SECONDS)
        own_best = []
        at_scarcity = bool(scarce)
        this_pass = scarcity_work if at_scarcity else pass_work
        if left() + (keep_for_plan / 2 if at_scarcity else 0.0) < this_pass:
            search.notes.append(f"column generation stopped by the budget after {round_no} rounds")
            break
        weights = smoothing if center is not None else 0.0
        mixed = _mix(center or {}, lp.resource_prices, weights)
        if at_scarcity:
            mixed, weights = scarce, 1.0
        priced_sum, complete, new, _ = _pricing_pass(
            batch, search, mixed, lp, helper, f"round {round_no + 1}", settle=not at_scarcity
        )
        budget.charge(this_pass + len(new) * batch.column_work())
        if complete:
            value = priced_sum - sum(p * resource_limit(batch.ledger, r) for r, p in mixed.items())
            if value > bound:
                bound, center = value, mixed
                search.bound = bound
        search.report(
            "bound",
            "proving a lower bound",
            f"round {round_no + 1}: {len(batch.pool.columns):,} columns (+{len(new)}), "
            f"LP {lp.value:,.2f}, bound {bound:,.2f} "
            f"({'scarcity prices' if at_scarcity else f'smoothing {weights:.2f}'}; "
            f"LP {lp.iterations:,} iterations, {lp.seconds:.1f} s)",
        )
        if not complete:
            search.notes.append(
                f"column generation stopped by the time limit in round {round_no + 1}"
            )
            break
        if not new:
            if weights == 0.0:
                bound = max(bound, lp.value)  # nothing prices out: this LP is the full LP
                search.bound = bound
                break
            smoothing = 0.0  # mispriced: the next pass uses the LP's own duals
            continue
        smoothing = SMOOTHING
        master.add(new)
        added = len(new)
        assert master.size == len(batch.pool.columns), "LP columns out of step with the pool"
    return bound, lp


def _pricing_pass(
    batch: _Batch,
    search: _Search,
    mixed: dict[Resource, float],
    lp: LpSolution | None,
    helper: SecondProcess | None,
    name: str,
    settle: bool = True,
) -> tuple[float, bool, list[Column], list[tuple[int, OrderSolution]]]:
    """Every order's optimum under the prices `mixed`: the sum of their values (a lower bound
    each), whether every order was priced, the new columns (with `lp`: those whose reduced
    cost under the LP's own duals is negative; without: every plan found), and every order's
    answer (order index, solution). Skips the exact MIP
    where no column can price out (near enough); without an LP or `settle`, always: the
    relaxation's value is a lower bound all the same. Only the wall-clock cap stops it early."""
    prices = prices_from(mixed, len(batch.network.nodes))
    below = lp.order_duals if lp is not None and settle else None
    n = len(batch.orders)
    shown = n // 2 if helper is not None else n

    def on_order(done: int) -> None:
        search.report("bound", f"proving a lower bound ({name} pass: order {done:,} of {shown:,})")

    if helper is not None:
        solved, complete = helper.solve_pass(n, prices, below, search.out_of_time, on_order)
    else:
        solved, complete = solve_orders(
            batch.price_one, range(n), prices, below, search.out_of_time, on_order
        )
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
    return priced_sum, complete, new, solved


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
    search: _Search,
    plan_work: float,
) -> list[int]:
    """Round the LP: orders it plans whole keep that column; the LP dive settles the others.
    Then each order is re-planned alone. Last, groups of competing orders are re-decided
    exactly for the work left (half of it when the pool is small enough for the MIP over
    every column that follows)."""
    budget = search.budget
    allowed = budget.spent + plan_work if budget.work is None else budget.work
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
    dive_until = budget.spent + DIVE_SHARE * (allowed - budget.spent)
    _dive(batch, ledger, picked, undecided, likely, search, dive_until)
    rounded = [picked[i] for i in range(len(batch.orders))]
    search.best = min(search.best or float("inf"), batch.cost(rounded))
    search.report(
        "improve",
        "improving the plan: re-planning orders one by one",
        f"LP rounded: {len(undecided):,} orders split by the LP; plan {batch.cost(rounded):,.2f}",
    )
    _improve(batch, rounded, ledger, undecided, search, allowed)
    search.best = min(search.best, batch.cost(rounded))
    search.report(
        "improve",
        "improving the plan: re-planning orders one by one",
        f"after re-planning those orders one by one: {batch.cost(rounded):,.2f}",
    )
    _improve(batch, rounded, ledger, range(len(batch.orders)), search, allowed)
    search.best = min(search.best, batch.cost(rounded))
    search.report(
        "improve",
        "improving the plan",
        f"after re-planning every order one by one: {batch.cost(rounded):,.2f}",
    )

    # Groups of competing orders re-decided exactly, one group at a time (see
    # neighbourhoods.py). A small pool keeps half of what is left for the MIP over every column.
    left = allowed - budget.spent
    share = left / 2 if len(columns) <= WHOLE_POOL_MIP_UP_TO else left - 1
    start_cost = batch.cost(rounded)

    def on_round(saved: float) -> None:
        search.best = min(search.best or float("inf"), start_cost - saved)
        search.report("improve", "improving the plan")

    improve_by_groups(
        columns,
        rounded,
        limits,
        share,
        budget,
        lambda msg: search.report("improve", "improving the plan", msg),
        lp.resource_prices,
        on_round,
    )
    return rounded


def _dive(
    batch: _Batch,
    ledger: Ledger,
    picked: dict[int, int],
    undecided: list[int],
    likely: dict[int, list[tuple[float, int]]],
    search: _Search,
    allowed: float,
) -> None:
    """Settle the orders the LP splits: repeatedly solve the LP of the open orders alone on
    what is left (with a round of new columns priced on it), fix the open orders it plans
    whole and the most decided quarter of the rest, until none is open. Orders left open when
    the work runs short take their likeliest column that fits, else their own optimum."""
    budget = search.budget
    columns = batch.pool.columns
    remaining = list(undecided)
    steps = 0
    while (
        len(remaining) > DIVE_TO
        and allowed > budget.spent
        and steps < 400
        and not search.out_of_time()
    ):
        steps += 1
        search.report(
            "plan",
            f"building a plan from the relaxation: {len(remaining):,} split orders to settle",
        )
        local = {o: k for k, o in enumerate(remaining)}
        mine = [j for j, col in enumerate(columns) if col.order in local]
        master = MasterLp(len(remaining), ledger)
        master.add([replace(columns[j], order=local[columns[j].order]) for j in mine])
        limit = lp_iterations_for(allowed - budget.spent, master.rows)
        lp = master.solve(limit, search.seconds())
        # No spares, so GLOP presolves; but these LPs of the split orders alone shrink little
        # (3e-8 s a row and iteration on 10k orders): they count at the plain rate.
        budget.charge(lp_work(master.last_iterations, master.rows, len(mine)))
        if lp is None:
            budget.cut_short |= master.stopped_by_time
            break
        if steps % 2 == 1:
            budget.charge(batch.solves_work(remaining, priced=True))
            if _price_open_orders(batch, ledger, remaining, lp):
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
    search.report(
        "plan",
        "building a plan from the relaxation",
        f"LP dive: {len(undecided) - len(remaining):,} split orders settled in {steps} steps",
    )
    if remaining:  # the last few together, exactly over their columns
        open_orders = set(remaining)
        mine = [j for j, col in enumerate(columns) if col.order in open_orders]
        mip = solve_master_mip(
            [columns[j] for j in mine],
            ledger_limits(ledger),
            nodes=DIVE_MIP_NODES,
            seconds=search.seconds(),
        )
        budget.charge(mip_work(len(mine), mip.iterations))
        budget.cut_short |= mip.stopped_by_time
        if mip.picked is not None:
            answer = {order: mine[k] for order, k in mip.picked.items()}
            if all(_fits(ledger, columns[j].usage) for j in answer.values()):
                for order, j in answer.items():
                    picked[order] = j
                    _take(batch, ledger, order, columns[j].chosen)
                remaining = [o for o in remaining if o not in picked]
    for order in remaining:
        _settle(batch, ledger, picked, order, likely.get(order, []))
    budget.charge(batch.solves_work(remaining, priced=False))


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
    batch: _Batch,
    picked: list[int],
    ledger: Ledger,
    orders: Sequence[int],
    search: _Search,
    allowed: float,
) -> None:
    """Re-plan each order alone with what the others leave; keep it when it is cheaper."""
    budget = search.budget
    columns = batch.pool.columns
    for n, order in enumerate(orders):
        if n % 64 == 0:
            if allowed <= budget.spent or search.out_of_time():
                return
            if n:
                search.report(
                    "improve", f"improving the plan: re-planning order {n:,} of {len(orders):,}"
                )
        current = columns[picked[order]]
        _give_back(batch, ledger, order, current.chosen)
        solution = solve_order(batch.network, batch.orders[order], ledger, NO_PRICES)
        budget.charge(batch.solve_work(order, priced=False))
        if solution.cost < current.cost - 1e-6:
            picked[order] = batch.pool.index_of(batch.column(order, solution.chosen))
            budget.charge(batch.column_work())
        _take(batch, ledger, order, columns[picked[order]].chosen)


def _fits(ledger: Ledger, usage: Sequence[tuple[Resource, int]]) -> bool:
    return all(resource_limit(ledger, r) >= amount for r, amount in usage)


def _take(batch: _Batch, ledger: Ledger, order: int, chosen: Sequence[ChosenShipment]) -> None:
    for c in chosen:
        ledger.take(batch.network, batch.sku_by_line[order], c)


def _give_back(batch: _Batch, ledger: Ledger, order: int, chosen: Sequence[ChosenShipment]) -> None:
    for c in chosen:
        ledger.give_back(batch.network, batch.sku_by_line[order], c)
