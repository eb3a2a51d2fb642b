"""Work estimates for the steps of `optimal`, in work units (see `solver.deadline.Budget`).

Each estimate is a linear function of counts a step reports or of the order itself: orders
solved, simplex iterations, columns. None of them reads a clock, so a search that decides by
them decides the same way on every machine. They were fitted on the reference machine (the
2-core benchmark machine) with `bench/calibrate_work.py`; they need to be roughly proportional
to its time, not exact: the budget's wall-clock cap catches what they miss.
"""

from __future__ import annotations

import math
from bisect import bisect_left

from solver.models import Order
from solver.network import Network

REFERENCE_NODES = 117
"""Nodes of the network the per-order figures were measured on (tight 10k, seed 11)."""
CONTENTS = (2, 4, 16, 64, 512, 4096, math.inf)
"""Buckets of an order's number of possible shipment contents, Π (qty + 1)."""
PRICED_SECONDS = (0.3e-3, 0.55e-3, 1.0e-3, 3.0e-3, 10e-3, 40e-3, 400e-3)
"""Seconds to solve one order under prices, per bucket (reference machine, 117 nodes)."""
FREE_SECONDS = (0.15e-3, 0.27e-3, 0.55e-3, 1.5e-3, 3.6e-3, 18e-3, 180e-3)
"""The same without prices (an order's own optimum)."""
MIP_FROM = 4
"""From this bucket on, most of the time is the exact per-order MIP, which grows with the
number of nodes (about 5x from 117 to 227 nodes); below, it does not."""
METHODS_SECONDS = 0.05e-3
METHODS_SECONDS_PER_NODE = 0.5e-6
"""An order's method table (`pricing.order_methods`)."""
RULE_SECONDS = 0.2e-3
"""One order routed by `nearest` or `priority`."""
COLUMN_SECONDS = 0.06e-3
"""Pricing a chosen plan into a column (`price_order`, resource usage, the pool)."""
CLEARING_SECONDS = 4e-6
"""Scarcity prices from the first pass (`scarcity.clearing_prices`), per order of the batch
(0.04 s on tight 10k orders)."""
LP_COLUMN_SECONDS = 0.05e-3
"""Adding a column to a master LP."""
LP_ITERATION_SECONDS_PER_ROW = 3e-8
"""A dual simplex iteration of GLOP costs about this much per row of the master (1.6e-8 to
3.9e-8 over the rounds of a 10k-order master of 14,000 rows)."""
PRESOLVED_ITERATION_SECONDS_PER_ROW = 0.8e-8
"""The same after GLOP's presolve (the first solve of a master), which shrinks the LP: 7.8e-9
on the first 10k-order master."""
MIP_COLUMN_SECONDS = 0.02e-3
"""Building and presolving a MIP over columns, per column (SCIP)."""
MIP_ITERATION_SECONDS = 0.08e-3
"""An LP iteration inside SCIP on a group's MIP."""
MIP_ITERATION_SECONDS_PER_ROW = 1.5e-7
"""An LP iteration inside SCIP on a MIP of the master's size (the LP dive's last MIP, the MIP
over every column), per row: its cut rounds and heuristics' LPs grow with the rows. Measured
(CPU, over the rest of that run's CPU per work unit) on a 2,000-order re-plan: 2.1e-7 at 1,189
rows, 1.0e-7 at 3,480 rows, where the flat group rate undercounted them 3 to 5 times."""
MIP_ROOT_ITERATIONS_PER_ROW = 20
"""LP iterations a MIP over the master's columns takes at its root (presolve, LP, cuts,
heuristics), per row, before any branching: 38 on that re-plan's MIP over every column (132,459
iterations at 3,480 rows, 6 nodes), 13 on its dive's MIP (200 nodes)."""


def order_solve_work(network: Network, order: Order, *, priced: bool) -> float:
    """One `solve_order` call for `order` (with or without resource prices)."""
    bucket = bisect_left(CONTENTS, math.prod(line.qty + 1 for line in order.lines))
    seconds = (PRICED_SECONDS if priced else FREE_SECONDS)[bucket]
    if bucket >= MIP_FROM:
        seconds *= (len(network.nodes) / REFERENCE_NODES) ** 2
    return seconds


def methods_work(network: Network) -> float:
    return METHODS_SECONDS + METHODS_SECONDS_PER_NODE * len(network.nodes)


def rule_work(network: Network) -> float:
    return RULE_SECONDS


def lp_work(iterations: int, rows: int, columns_added: int = 0, presolved: bool = False) -> float:
    """A master LP solve of `iterations` over `rows` rows, and the columns added before it."""
    per = PRESOLVED_ITERATION_SECONDS_PER_ROW if presolved else LP_ITERATION_SECONDS_PER_ROW
    return iterations * rows * per + columns_added * LP_COLUMN_SECONDS


def lp_iterations_for(work: float, rows: int, presolved: bool = False) -> int:
    """Most iterations an LP of `rows` rows may take within `work` units."""
    per = PRESOLVED_ITERATION_SECONDS_PER_ROW if presolved else LP_ITERATION_SECONDS_PER_ROW
    return max(1, int(work / max(1, rows) / per))


def mip_work(columns: int, iterations: int, rows: int = 0) -> float:
    """A MIP over `columns` columns whose LPs took `iterations` iterations in all; with its
    `rows` for a MIP of the master's size (a group's MIP, sized by `neighbourhoods`' own
    measure, is counted at the flat rate)."""
    per_iteration = max(MIP_ITERATION_SECONDS, rows * MIP_ITERATION_SECONDS_PER_ROW)
    return columns * MIP_COLUMN_SECONDS + iterations * per_iteration


def mip_root_work(columns: int, rows: int) -> float:
    """The least a MIP over the master's columns is expected to take: its root node."""
    return mip_work(columns, MIP_ROOT_ITERATIONS_PER_ROW * rows, rows)
