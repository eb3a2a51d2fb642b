"""The batch master problem: pick one candidate plan (column) per order under shared limits.

Rows: one convexity row per order (exactly one of its plans; the empty plan is always there)
and one row per shared resource with a finite limit: stock of a SKU at a node (§5.1), and a
node's shipments, units and same-day shipments (§5.2). The LP relaxation's duals price those
resources for column generation; the MIP picks the plan.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from solver.ledger import Ledger
from solver.network import UNLIMITED, Network
from solver.order_solver import Prices
from solver.pricing import SAME_DAY, ChosenShipment

# A resource is ("stock", node, sku) or (kind, node, -1) with kind in orders/units/same_day.
Resource = tuple[str, int, int]


@dataclass(frozen=True)
class Column:
    order: int
    chosen: tuple[ChosenShipment, ...]
    cost: float
    usage: tuple[tuple[Resource, int], ...]

    @property
    def key(self) -> ColumnKey:
        return column_key(self.order, self.chosen)


ColumnKey = tuple[int, tuple[tuple[int, int, tuple[tuple[str, int], ...]], ...]]


def column_key(order: int, chosen: Sequence[ChosenShipment]) -> ColumnKey:
    """What makes two columns the same plan (whatever order its shipments come in)."""
    return (order, tuple(sorted((c.node, c.key, tuple(sorted(c.units.items()))) for c in chosen)))


def resource_usage(
    network: Network, sku_by_line: dict[str, str], chosen: Sequence[ChosenShipment]
) -> tuple[tuple[Resource, int], ...]:
    use: dict[Resource, int] = {}
    for c in chosen:
        units = 0
        for line_id, qty in c.units.items():
            r = ("stock", c.node, network.sku_index[sku_by_line[line_id]])
            use[r] = use.get(r, 0) + qty
            units += qty
        use["orders", c.node, -1] = use.get(("orders", c.node, -1), 0) + 1
        use["units", c.node, -1] = use.get(("units", c.node, -1), 0) + units
        if c.key == SAME_DAY:
            use["same_day", c.node, -1] = use.get(("same_day", c.node, -1), 0) + 1
    return tuple(sorted(use.items()))


def resource_limit(ledger: Ledger, r: Resource) -> int:
    kind, node, sku = r
    if kind == "stock":
        return int(ledger.stock[node, sku])
    if kind == "orders":
        return int(ledger.orders_left[node])
    if kind == "units":
        return int(ledger.units_left[node])
    return int(ledger.same_day_left[node])


def limited(ledger: Ledger, r: Resource) -> bool:
    return resource_limit(ledger, r) < UNLIMITED


@dataclass
class LpSolution:
    value: float
    prices: Prices
    order_duals: list[float]
    resource_prices: dict[Resource, float]
    values: list[float]
    """The LP value of every column, in the order they were added."""
    seconds: float
    cpu_seconds: float
    iterations: int = 0
    """Simplex iterations of the solve (what its work is counted by)."""
    rows: int = 0


def prices_from(resource_prices: dict[Resource, float], n_nodes: int) -> Prices:
    return Prices(
        stock={(n, s): p for (k, n, s), p in resource_prices.items() if k == "stock"},
        orders={n: p for (k, n, _), p in resource_prices.items() if k == "orders"},
        units={n: p for (k, n, _), p in resource_prices.items() if k == "units"},
        same_day={n: p for (k, n, _), p in resource_prices.items() if k == "same_day"},
        n_nodes=n_nodes,
    )


class MasterLp:
    """The LP relaxation, kept between rounds of column generation.

    Columns are only ever added. pywraplp hands GLOP the whole model again at each solve, and
    GLOP starts from the last basis only if the model still has the same columns in the same
    places (new rows are fine: their slacks come last). So a master built with `spare` keeps
    spare columns, fixed at 0 with no entries, and a new column takes the next one. When they
    run out, `add` makes enough for its columns and `spare` more, and the next solve starts
    over. Solves after the first skip GLOP's presolve, which would renumber the columns (so
    the second solve starts over too). Measured on a 10k-order master (45,938 columns, 300
    of them new): 16.5 s from scratch with presolve, 0.4 s from the last basis.
    """

    def __init__(self, n_orders: int, ledger: Ledger, spare: int = 0) -> None:
        solver = pywraplp.Solver.CreateSolver("GLOP")
        assert solver is not None
        # Measured on a 10k-order master (36k columns): dual simplex 10 s, primal 17 s.
        solver.SetSolverSpecificParametersAsString("use_dual_simplex: true")
        self._spare = spare
        self._spares: list[pywraplp.Variable] = []
        self._solves = 0
        self._spares_added = False
        self.last_iterations = 0
        self.last_presolved = True
        """Whether the last solve ran GLOP's presolve (its iterations are over a smaller LP)."""
        self.stopped_by_time = False
        self._solver = solver
        self._ledger = ledger
        self._one_plan = [solver.Constraint(1.0, 1.0) for _ in range(n_orders)]
        self._rows: dict[Resource, pywraplp.Constraint] = {}
        self._terms: dict[Resource, list[tuple[int, int]]] = {}
        self._most: dict[Resource, dict[int, int]] = {}
        """Per resource, the most any column of each order uses."""
        self._vars: list[pywraplp.Variable] = []
        self._objective = solver.Objective()
        self._objective.SetMinimization()

    @property
    def size(self) -> int:
        """Columns added so far (the first `size` columns of the pool, in its order)."""
        return len(self._vars)

    def add(self, columns: Sequence[Column]) -> None:
        """Add columns. A resource gets a row only once the orders could, together, use more
        of it than its limit (one column per order each using its most); until then it cannot
        bind and its price is 0."""
        touched: set[Resource] = set()
        short = len(self._vars) + len(columns) - len(self._spares)
        if self._spare and short > 0:
            more = short + self._spare
            self._spares += [self._solver.NumVar(0.0, 0.0, "") for _ in range(more)]
            self._spares_added = True
        for col in columns:
            var = self._new_var()
            self._vars.append(var)
            self._one_plan[col.order].SetCoefficient(var, 1.0)
            self._objective.SetCoefficient(var, col.cost)
            for r, amount in col.usage:
                if not limited(self._ledger, r):
                    continue
                row = self._rows.get(r)
                if row is not None:
                    row.SetCoefficient(var, float(amount))
                    continue
                self._terms.setdefault(r, []).append((len(self._vars) - 1, amount))
                most = self._most.setdefault(r, {})
                if amount > most.get(col.order, 0):
                    most[col.order] = amount
                    touched.add(r)
        for r in sorted(touched):  # rows in a fixed order, so that GLOP's answer is the same
            if sum(self._most[r].values()) > resource_limit(self._ledger, r):
                row = self._solver.Constraint(
                    -self._solver.infinity(), float(resource_limit(self._ledger, r))
                )
                for j, amount in self._terms.pop(r):
                    row.SetCoefficient(self._vars[j], float(amount))
                del self._most[r]
                self._rows[r] = row

    @property
    def cold_without_presolve(self) -> bool:
        """Whether the next solve starts from scratch without presolve (the second solve of a
        master with spares, or the first after more spares were made), so it takes longer than
        the last: at 100k orders the first LP took 180.5 s without presolve and 97.8 s with
        it, and the second has a fifth more columns."""
        return bool(self._spare) and (
            self._solves == 1 or (self._solves > 1 and self._spares_added)
        )

    def _new_var(self) -> pywraplp.Variable:
        """A variable in [0, 1] for a new column: the next spare column if the master has them."""
        if not self._spare:
            return self._solver.NumVar(0.0, 1.0, "")
        var = self._spares[len(self._vars)]
        var.SetUb(1.0)
        return var

    @property
    def presolves_next(self) -> bool:
        """Whether the next solve runs GLOP's presolve (a master without spares, or the first
        solve of one with them)."""
        return self._spare == 0 or self._solves == 0

    @property
    def rows(self) -> int:
        return self._solver.NumConstraints()

    def solve(
        self, iteration_limit: int | None = None, seconds: float = math.inf
    ) -> LpSolution | None:
        """The LP over every column added so far; None if GLOP did not finish within
        `iteration_limit` simplex iterations (a limit on work, so the same for every run) or
        within `seconds` (then `stopped_by_time` says so). `last_iterations` counts either way."""
        started, cpu = time.monotonic(), time.process_time()
        self._solves += 1
        self._spares_added = False
        params = ["use_dual_simplex: true"]
        self.last_presolved = self._spare == 0 or self._solves == 1
        if not self.last_presolved:
            params.append("use_preprocessing: false")
        if iteration_limit is not None:
            params.append(f"max_number_of_iterations: {iteration_limit}")
        self._solver.SetSolverSpecificParametersAsString("\n".join(params))
        self._solver.SetTimeLimit(max(1, _milliseconds(seconds)))
        status = self._solver.Solve()
        self.last_iterations = int(self._solver.iterations())
        self.stopped_by_time = False
        if status != pywraplp.Solver.OPTIMAL:
            limit_reached = iteration_limit is not None and self.last_iterations >= iteration_limit
            self.stopped_by_time = not limit_reached
            return None
        resource_prices = {
            r: -row.dual_value() for r, row in self._rows.items() if row.dual_value() < -1e-9
        }
        return LpSolution(
            value=self._objective.Value(),
            prices=prices_from(resource_prices, len(self._ledger.orders_left)),
            order_duals=[row.dual_value() for row in self._one_plan],
            resource_prices=resource_prices,
            values=[var.solution_value() for var in self._vars],
            seconds=time.monotonic() - started,
            cpu_seconds=time.process_time() - cpu,
            iterations=self.last_iterations,
            rows=self.rows,
        )


@dataclass
class MipSolution:
    picked: dict[int, int] | None
    """Order -> index (in the columns given) of its chosen column; None when SCIP found none."""
    value: float
    optimal: bool
    iterations: int = 0
    """LP iterations SCIP took in all (with the columns, what its work is counted by)."""
    stopped_by_time: bool = False
    """Whether the wall-clock cap, not the node limit, ended the search."""


LimitOf = Callable[[Resource], int | None]
"""A resource's limit, or None when it has none."""


def ledger_limits(ledger: Ledger) -> LimitOf:
    return lambda r: resource_limit(ledger, r) if limited(ledger, r) else None


def solve_master_mip(
    columns: Sequence[Column],
    limit_of: LimitOf,
    *,
    nodes: int | None,
    seconds: float = math.inf,
    start: Collection[int] = (),
) -> MipSolution:
    """Pick one of the given columns for each of their orders with SCIP (branch and bound),
    starting from the plan `start` (indices of the columns it picks) if given.

    The search is limited by work: at most `nodes` branch-and-bound nodes (1: the root only),
    which SCIP explores the same way on every run; `seconds` is only a cap."""
    mip = pywraplp.Solver.CreateSolver("SCIP")
    assert mip is not None
    take = [mip.BoolVar("") for _ in columns]
    by_order: dict[int, list[int]] = {}
    objective = mip.Objective()
    for j, col in enumerate(columns):
        by_order.setdefault(col.order, []).append(j)
        objective.SetCoefficient(take[j], col.cost)
    objective.SetMinimization()
    for js in by_order.values():
        one = mip.Constraint(1.0, 1.0)
        for j in js:
            one.SetCoefficient(take[j], 1.0)
    for limit, terms in _binding_rows(columns, limit_of).values():
        row = mip.Constraint(-mip.infinity(), float(limit))
        for j, a in terms:
            row.SetCoefficient(take[j], float(a))
    if start:
        # With a hint SCIP 9.15 was once seen to return a plan over a row's limit as OPTIMAL:
        # callers check every answer against the limits (`over_limits`).
        chosen = set(start)
        mip.SetHint(take, [1.0 if j in chosen else 0.0 for j in range(len(columns))])
    mip.SetTimeLimit(_milliseconds(max(1.0, seconds)))
    params = "limits/gap = 0.0001\n" + (f"limits/nodes = {nodes}\n" if nodes is not None else "")
    mip.SetSolverSpecificParametersAsString(params)
    started = time.monotonic()
    status = mip.Solve()
    took = time.monotonic() - started
    optimal = status == pywraplp.Solver.OPTIMAL
    found = status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE)
    picked = (
        {
            order: next(j for j in js if take[j].solution_value() > 0.5)
            for order, js in by_order.items()
        }
        if found
        else None
    )
    return MipSolution(
        picked=picked,
        value=objective.Value() if found else math.inf,
        optimal=optimal,
        iterations=int(mip.iterations()),
        stopped_by_time=not optimal and math.isfinite(seconds) and took >= 0.95 * seconds,
    )


def mip_rows(columns: Sequence[Column], limit_of: LimitOf) -> int:
    """Rows of `solve_master_mip`'s MIP over `columns`: one an order, one a resource they
    could use beyond its limit (known before solving, so a step can be sized by it)."""
    return len({col.order for col in columns}) + len(_binding_rows(columns, limit_of))


def _binding_rows(
    columns: Sequence[Column], limit_of: LimitOf
) -> dict[Resource, tuple[int, list[tuple[int, int]]]]:
    """Resource -> its limit and (column, amount) terms, for the resources the columns could
    use beyond their limit (the others need no row)."""
    rows: dict[Resource, list[tuple[int, int]]] = {}
    for j, col in enumerate(columns):
        for r, amount in col.usage:
            rows.setdefault(r, []).append((j, amount))
    binding = {}
    for r, terms in rows.items():
        limit = limit_of(r)
        if limit is not None and sum(a for _, a in terms) > limit:
            binding[r] = (limit, terms)
    return binding


def _milliseconds(seconds: float) -> int:
    """A solver time limit; pywraplp has no "none", so no limit is a very long one."""
    return int(seconds * 1000) if math.isfinite(seconds) else 10**9


def over_limits(
    columns: Sequence[Column], picked: Iterable[int], limits: LimitOf
) -> list[Resource]:
    """Resources the picked columns use beyond their limits (a guard on a MIP's answer)."""
    used: dict[Resource, int] = {}
    for j in picked:
        for r, amount in columns[j].usage:
            used[r] = used.get(r, 0) + amount
    return [r for r, amount in used.items() if (limit := limits(r)) is not None and amount > limit]
