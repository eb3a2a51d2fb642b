"""How often the calibrated samples reach each hard path (the figures `test_paths.py` asserts).

    python -m tests.oracles.paths      # prints the figures quoted in docs/testing.md

Per order (the fixed samples of the oracle tests: seeds 0..ORDERS-1, loose and tight capacity,
and orders of several lines in worlds where each SKU is at few nodes):
the spec optimum ships, splits, uses same-day, pickup or a transfer; a kit; a split guard or a
shipment cap binds (the optimum without it is cheaper); the per-order solver settles it with
its MIP. Per batch (seeds 0..BATCHES-1 of `worlds.draw_batch`): sharing binds (the optimum is
costlier than the orders' own optima), the LP relaxation has a gap, `optimal` misses the optimum.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import solver.order_mip
from solver.ledger import Ledger
from solver.order_solver import solve_order
from solver.planning import plan_dataset
from tests.oracles.search import Limits, batch_optimum, best_choice
from tests.oracles.spec import CENT, SpecPricer, World
from tests.oracles.worlds import LOOSE, SCATTERED, TIGHT, RandomDraw, draw_batch, fixed_sample

ORDERS = 150
BATCHES = 16


@contextmanager
def counting_mip_calls() -> Iterator[Counter[str]]:
    """Count the per-order solver's calls of its exact MIP (the enumeration could not settle)."""
    calls: Counter[str] = Counter()
    real = solver.order_mip.solve_order_mip

    def counted(*args, **kwargs):
        calls["mip"] += 1
        return real(*args, **kwargs)

    solver.order_mip.solve_order_mip = counted
    try:
        yield calls
    finally:
        solver.order_mip.solve_order_mip = real


def _without_guard(world: World) -> World:
    settings = world.settings.model_copy(update={"min_shipment_value": 0.0})
    return World(
        world.nodes, world.skus, world.stock, world.zones, world.rates, world.transits, settings
    )


@dataclass
class Figures:
    counts: Counter[str]
    total: int

    def share(self, key: str) -> float:
        return self.counts[key] / self.total


def order_paths() -> Figures:
    counts: Counter[str] = Counter()
    total = 0
    with counting_mip_calls() as calls:
        for shape in (LOOSE, TIGHT):
            for seed in range(ORDERS):
                world, order = fixed_sample(shape, seed)
                pricer = SpecPricer(world)
                limits = Limits.fresh(pricer)
                best, cost = best_choice(pricer, order, limits)
                total += 1
                methods = {s.method for s in best.shipments}
                counts["ships"] += bool(best.shipments)
                counts["splits"] += len(best.shipments) > 1
                counts["three or more shipments"] += len(best.shipments) > 2
                for method in ("same_day", "pickup", "transfer"):
                    counts[method] += method in methods
                counts["kit"] += any(line.group for line in order.lines)
                shipped = sum(sum(s.units.values()) for s in best.shipments)
                counts["partly unfilled"] += 0 < shipped < sum(line.qty for line in order.lines)
                if world.settings.min_shipment_value > 0:
                    free = SpecPricer(_without_guard(world))
                    counts["split guard binds"] += best_choice(free, order, limits)[1] < cost - 1e-9
                if order.max_shipments is not None:
                    uncapped = order.model_copy(update={"max_shipments": None})
                    counts["shipment cap binds"] += (
                        best_choice(pricer, uncapped, limits)[1] < cost - 1e-9
                    )
                before = calls["mip"]
                solve_order(world.network, order, Ledger.fresh(world.network))
                counts["settled by the per-order MIP"] += calls["mip"] > before
                counts["split, settled by the enumeration"] += (
                    len(best.shipments) > 1 and calls["mip"] == before
                )
    return Figures(counts, total)


def scattered_paths() -> Figures:
    """The enumeration's own multi-shipment answers: splits it settles without the MIP."""
    counts: Counter[str] = Counter()
    with counting_mip_calls() as calls:
        for seed in range(ORDERS):
            world, order = fixed_sample(SCATTERED, seed)
            pricer = SpecPricer(world)
            best, _ = best_choice(pricer, order, Limits.fresh(pricer))
            before = calls["mip"]
            solve_order(world.network, order, Ledger.fresh(world.network))
            counts["splits"] += len(best.shipments) > 1
            counts["split, settled by the enumeration"] += (
                len(best.shipments) > 1 and calls["mip"] == before
            )
    return Figures(counts, ORDERS)


def batch_paths() -> Figures:
    counts: Counter[str] = Counter()
    for seed in range(BATCHES):
        world, orders = draw_batch(RandomDraw(seed))
        pricer = SpecPricer(world)
        exact = batch_optimum(pricer, orders)
        alone = sum(best_choice(pricer, o, Limits.fresh(pricer))[1] for o in orders)
        plan = plan_dataset(world.dataset(orders), "optimal")
        counts["sharing binds"] += exact.cost > alone + CENT
        counts["LP relaxation has a gap"] += exact.relaxed < exact.cost - CENT
        counts["optimal misses the optimum"] += plan.total_cost > exact.cost + CENT
        counts["orders"] += len(orders)
        counts["orders split in the optimum"] += sum(len(c.shipments) > 1 for c in exact.choices)
    return Figures(counts, BATCHES)


def main() -> None:
    orders = order_paths()
    print(f"orders: {orders.total} (seeds 0..{ORDERS - 1}, loose and tight capacity)")
    for key, n in sorted(orders.counts.items()):
        print(f"  {key:36} {n:4}  {100 * orders.share(key):5.1f} %")
    scattered = scattered_paths()
    print(f"orders in scattered worlds: {scattered.total} (seeds 0..{ORDERS - 1})")
    for key, n in sorted(scattered.counts.items()):
        print(f"  {key:36} {n:4}  {100 * scattered.share(key):5.1f} %")
    batches = batch_paths()
    print(f"batches: {batches.total} (seeds 0..{BATCHES - 1}), {batches.counts['orders']} orders")
    for key, n in sorted(batches.counts.items()):
        if key != "orders":
            print(f"  {key:36} {n:4}")


if __name__ == "__main__":
    main()
