"""Experiment (issue 14 item 3): how good a lower bound one exact priced pass proves at prices
from a compact item-level LP, against no prices and `optimal`'s scarcity prices.

Usage: python bench/compact_prices.py DATASET [--start K] [--priced-myopic] [--compact-only]

The compact LP has one variable per (order item, candidate node): the item's units sent from
that node, at a cost a unit (the node's cheapest method for the whole order's weight, its
shipment cost shared by units, plus handling), one for its unfilled units at the unfilled
penalty, and rows for the stock of each (node, SKU) and each node's order and unit capacity.
It leaves out what makes the per-order problem hard (shipments, weight bands, split guards),
so it is small and fast; its duals are only prices, and the bound of the exact pass at them is
valid whatever they are (`optimal`'s Lagrangian bound). It is solved by column generation over
its own options: each item starts with its K cheapest nodes (default 8), and the options whose
reduced cost is negative are added until none is. (With only the K cheapest nodes and no
generation, an item that finds them full looks unfillable and the prices blow up: at K = 8 on
tight 10k the bound was negative.)

With `--priced-myopic`, the plan that `myopic` makes with those prices added to every order's
costs (arrival order, the stock left), at scales 1.0, 0.8 and 0.6.

Prints each step's seconds since start. Not used by the service: a measurement of prices a
batch too large for `optimal`'s master LP could start from.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from machine import run_header
from ortools.linear_solver import pywraplp

from solver.ledger import Ledger
from solver.loading import load_dataset
from solver.models import Order
from solver.network import UNLIMITED, Network
from solver.order_problem import candidate_nodes, order_items
from solver.order_solver import NO_PRICES, solve_order
from solver.pricing import OrderMethods, billable_kg, order_methods, price_order, weight_column
from solver.strategies.base import arrival_order
from solver.strategies.master import Resource, prices_from, resource_limit
from solver.strategies.scarcity import clearing_prices

STARTED = time.monotonic()
ADDED_PER_ITEM = 5
"""Most options one item gets in a round of generation."""


def say(message: str) -> None:
    print(f"{time.monotonic() - STARTED:8.1f} {message}", flush=True)


@dataclass
class ItemOptions:
    """One order item's choices in the compact LP, cheapest node first."""

    qty: int
    penalty: float
    nodes: np.ndarray
    cost: np.ndarray
    cap: np.ndarray
    sku_use: tuple[tuple[int, int], ...]
    units: int
    share: float
    """The item's share of its order's units: what one of its units counts on an order row."""
    active: set[int] = field(default_factory=set)


def item_options(
    network: Network, order: Order, methods: OrderMethods, ledger: Ledger
) -> list[ItemOptions]:
    items = order_items(network, order)
    cands = candidate_nodes(network, items, methods, ledger, NO_PRICES, ())
    total_units = sum(it.units * it.qty for it in items)
    weight = sum(it.weight * it.qty for it in items)
    last = cands.curve.shape[1] - 1
    whole_column = min(weight_column(network, billable_kg(float(weight))), last)
    out = []
    for j, it in enumerate(items):
        alone_column = min(weight_column(network, billable_kg(float(it.weight * it.qty))), last)
        whole = (cands.fixed + cands.curve[:, whole_column]) * it.units / total_units
        alone = (cands.fixed + cands.curve[:, alone_column]) / it.qty
        cost = np.where(np.isfinite(whole), whole, alone) + cands.per_item[:, j]
        ok = np.isfinite(cost) & (cands.item_cap[:, j] > 0)
        by_cost = np.argsort(cost[ok], kind="stable")
        out.append(
            ItemOptions(
                qty=it.qty,
                penalty=network.settings.unfilled_penalty_factor * it.value,
                nodes=cands.nodes[ok][by_cost].astype(np.int64),
                cost=cost[ok][by_cost],
                cap=cands.item_cap[ok, j][by_cost],
                sku_use=it.sku_use,
                units=it.units,
                share=it.units / total_units,
            )
        )
    return out


class CompactLp:
    """The compact LP, its rows made up front, its option columns added as they price out."""

    def __init__(self, network: Network, ledger: Ledger, items: list[ItemOptions]) -> None:
        self.network, self.items = network, items
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp.SetSolverSpecificParametersAsString("use_dual_simplex: true")
        self.objective = self.lp.Objective()
        self.objective.SetMinimization()
        inf = self.lp.infinity()
        asked: dict[tuple[int, int], float] = {}
        for x in items:
            for sku, q in x.sku_use:
                for node, cap in zip(x.nodes.tolist(), x.cap.tolist(), strict=True):
                    asked[node, sku] = asked.get((node, sku), 0.0) + q * cap
        self.rows: dict[Resource, pywraplp.Constraint] = {}
        for (node, sku), wanted in asked.items():
            if wanted > ledger.stock[node, sku]:
                self.rows["stock", node, sku] = self.lp.Constraint(
                    -inf, int(ledger.stock[node, sku])
                )
        for kind, left in (("units", ledger.units_left), ("orders", ledger.orders_left)):
            for node in range(len(network.nodes)):
                if left[node] < UNLIMITED:
                    self.rows[kind, node, 0] = self.lp.Constraint(-inf, int(left[node]))
        self.item_rows = []
        for x in items:
            unfilled = self.lp.NumVar(0, x.qty, "")
            self.objective.SetCoefficient(unfilled, x.penalty)
            row = self.lp.Constraint(x.qty, x.qty)
            row.SetCoefficient(unfilled, 1)
            self.item_rows.append(row)

    def add(self, i: int, r: int) -> None:
        x, node = self.items[i], int(self.items[i].nodes[r])
        var = self.lp.NumVar(0, float(x.cap[r]), "")
        self.objective.SetCoefficient(var, float(x.cost[r]))
        self.item_rows[i].SetCoefficient(var, 1)
        entries = [(("stock", node, sku), q) for sku, q in x.sku_use]
        entries += [(("units", node, 0), x.units), (("orders", node, 0), x.share)]
        for resource, coefficient in entries:
            row = self.rows.get(resource)
            if row is not None:
                row.SetCoefficient(var, coefficient)
        x.active.add(r)

    def prices(self) -> dict[Resource, float]:
        return {r: -row.dual_value() for r, row in self.rows.items() if -row.dual_value() > 1e-9}

    def generate(self) -> int:
        """Add the options that price out at the last solve's duals; how many were added."""
        n_nodes, n_skus = len(self.network.nodes), len(self.network.skus)
        stock, units, orders = np.zeros((n_nodes, n_skus)), np.zeros(n_nodes), np.zeros(n_nodes)
        for (kind, node, sku), price in self.prices().items():
            if kind == "stock":
                stock[node, sku] = price
            elif kind == "units":
                units[node] = price
            else:
                orders[node] = price
        item_duals = [row.dual_value() for row in self.item_rows]  # before the model changes
        wanted = []
        for i, (x, dual) in enumerate(zip(self.items, item_duals, strict=True)):
            reduced = x.cost + units[x.nodes] * x.units + orders[x.nodes] * x.share - dual
            for sku, q in x.sku_use:
                reduced = reduced + q * stock[x.nodes, sku]
            best = np.argsort(reduced, kind="stable")[:ADDED_PER_ITEM]
            wanted += [(i, int(r)) for r in best if reduced[r] < -1e-6 and r not in x.active]
        for i, r in wanted:
            self.add(i, r)
        return len(wanted)


def bound_at(
    network: Network,
    orders: tuple[Order, ...],
    ledger: Ledger,
    methods: list[OrderMethods],
    resource_prices: dict[Resource, float],
) -> float:
    """The Lagrangian bound of one exact pass at `resource_prices`."""
    prices = prices_from(resource_prices, len(network.nodes))
    total = sum(
        solve_order(network, o, ledger, prices, methods[i]).lower_bound
        for i, o in enumerate(orders)
    )
    return total - sum(p * resource_limit(ledger, r) for r, p in resource_prices.items())


def priced_myopic(
    network: Network,
    orders: tuple[Order, ...],
    methods: list[OrderMethods],
    resource_prices: dict[Resource, float],
) -> float:
    prices = prices_from(resource_prices, len(network.nodes))
    ledger = Ledger.fresh(network)
    cost = 0.0
    for i in arrival_order(orders):
        solution = solve_order(network, orders[i], ledger, prices, methods[i])
        sku_by_line = {line.line_id: line.sku for line in orders[i].lines}
        for chosen in solution.chosen:
            ledger.take(network, sku_by_line, chosen)
        cost += price_order(network, orders[i], solution.chosen, methods[i]).cost
    return cost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--start", type=int, default=8, help="options an item starts with")
    parser.add_argument("--priced-myopic", action="store_true")
    parser.add_argument(
        "--compact-only", action="store_true", help="skip the passes at no and scarcity prices"
    )
    args = parser.parse_args()
    print(run_header())
    dataset = load_dataset(args.dataset).dataset
    assert dataset is not None, f"{args.dataset} does not load"
    network, orders = dataset.network, dataset.orders
    ledger = Ledger.fresh(network)
    methods = [order_methods(network, o) for o in orders]
    say(f"{len(orders):,} orders, their method tables built")
    if not args.compact_only:
        free = [
            (i, solve_order(network, o, ledger, NO_PRICES, methods[i]))
            for i, o in enumerate(orders)
        ]
        say(f"no prices: bound {sum(s.lower_bound for _, s in free):,.2f}")
        scarce = clearing_prices(network, orders, ledger, free)
        scarce_bound = bound_at(network, orders, ledger, methods, scarce)
        say(f"scarcity prices ({len(scarce):,}): bound {scarce_bound:,.2f}")
    items = [x for i, o in enumerate(orders) for x in item_options(network, o, methods[i], ledger)]
    lp = CompactLp(network, ledger, items)
    for i, x in enumerate(items):
        for r in range(min(args.start, len(x.nodes))):
            lp.add(i, r)
    say(
        f"compact LP: {len(items):,} items, {sum(len(x.nodes) for x in items):,} options, "
        f"{len(lp.rows):,} resource rows, {lp.lp.NumVariables():,} columns to start"
    )
    for round_no in range(100):
        status = lp.lp.Solve()
        assert status == pywraplp.Solver.OPTIMAL, f"compact LP status {status}"
        say(
            f"round {round_no}: LP {lp.objective.Value():,.2f}, {lp.lp.NumVariables():,} "
            f"columns, {lp.lp.iterations():,} iterations"
        )
        prices = lp.prices()
        if not lp.generate():
            break
    say(
        f"compact prices ({len(prices):,}): bound {bound_at(network, orders, ledger, methods, prices):,.2f}"
    )
    if args.priced_myopic:
        for scale in (1.0, 0.8, 0.6):
            scaled = {r: p * scale for r, p in prices.items()}
            say(
                f"myopic at {scale} x those prices: {priced_myopic(network, orders, methods, scaled):,.2f}"
            )


if __name__ == "__main__":
    main()
