"""Heavy orders skip priced passes (solver/strategies/optimal.py `_HeavyOrders`): the bound each
then counts with never exceeds its true priced optimum, so every pass's bound stays proven."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.ledger import Ledger
from solver.strategies import optimal
from solver.strategies.master import Resource, prices_from
from solver.strategies.optimal import _Batch, _HeavyOrders
from tests.factories import random_network, random_order


def random_prices(rng: random.Random, nodes: int, skus: int) -> dict[Resource, float]:
    kinds: list[Resource] = [("stock", n, s) for n in range(nodes) for s in range(skus)]
    kinds += [(k, n, -1) for k in ("orders", "units", "same_day") for n in range(nodes)]
    return {r: round(rng.uniform(0, 12), 2) for r in kinds if rng.random() < 0.5}


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_a_heavy_orders_bound_never_exceeds_its_priced_optimum(seed: int) -> None:
    rng = random.Random(seed)
    net = random_network(rng, n_nodes=5, n_skus=4)
    orders = [random_order(rng, net, f"o-{k}", max_lines=3) for k in range(6)]
    batch = _Batch(
        net,
        orders,
        Ledger.fresh(net),
        [{line.line_id: line.sku for line in o.lines} for o in orders],
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(optimal, "HEAVY_SECONDS", 0.0)  # every order is heavy
        heavy = _HeavyOrders.of(batch)
    assert heavy.orders == list(range(len(orders)))

    def solve(prices: dict[Resource, float]) -> list[tuple[int, object]]:
        priced = prices_from(prices, len(net.nodes))
        return [(i, batch.price_one(i, priced, float("inf"))) for i in range(len(orders))]

    heavy.record(solve({}), {})  # the first pass, without prices
    earlier = random_prices(rng, len(net.nodes), len(net.skus))
    heavy.record(solve(earlier), earlier)  # an exact priced pass
    nearby = {r: max(0.0, p + rng.uniform(-0.5, 0.3)) for r, p in earlier.items()}
    for now in (nearby, random_prices(rng, len(net.nodes), len(net.skus))):
        bounds = heavy.bounds(now)
        for i, solution in solve(now):
            assert bounds[i] <= solution.cost + 1e-6  # type: ignore[attr-defined]
