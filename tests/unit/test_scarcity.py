"""Scarcity prices (`solver/strategies/scarcity.py`): estimated from the orders' own best plans,
they price only SKUs asked for beyond their stock, and the bound a pass proves at them is a
true lower bound, better than the bound without prices on a tight batch."""

from __future__ import annotations

import pytest

from solver.deadline import Budget
from solver.ledger import Ledger
from solver.network import Dataset
from solver.order_solver import solve_order
from solver.planning import ProgressEvent, plan_dataset
from solver.strategies import optimal
from solver.strategies.scarcity import clearing_prices
from tests.oracles.search import batch_optimum
from tests.oracles.spec import SLACK, SpecPricer
from tests.oracles.worlds import RandomDraw, draw_batch
from tests.unit.tight_batch import tight_dataset


@pytest.fixture(scope="module")
def tight_batch(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return tight_dataset(tmp_path_factory.mktemp("tight"))


def test_only_skus_asked_for_beyond_their_stock_get_a_price(tight_batch: Dataset) -> None:
    network, orders = tight_batch.network, tight_batch.orders
    ledger = Ledger.fresh(network)
    solved = [(i, solve_order(network, o, ledger)) for i, o in enumerate(orders)]
    prices = clearing_prices(network, orders, ledger, solved)

    assert prices, "a tight batch has scarce SKUs"
    asked: dict[int, int] = {}
    for i, solution in solved:
        for shipment in solution.chosen:
            for line_id, qty in shipment.units.items():
                sku = next(line.sku for line in orders[i].lines if line.line_id == line_id)
                asked[network.sku_index[sku]] = asked.get(network.sku_index[sku], 0) + qty
    for (kind, node, sku), price in prices.items():
        assert kind == "stock" and price > 0
        assert ledger.stock[node, sku] > 0
        assert asked[sku] > ledger.stock[:, sku].sum()
        # every node's stock of a priced SKU has the one price
        assert all(
            prices["stock", n, sku] == price for n in (ledger.stock[:, sku] > 0).nonzero()[0]
        )


def _bound_of_first_priced_pass(dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    details: list[str] = []
    monkeypatch.setattr(optimal, "FEW_PASSES", 10**9)  # as if the budget held one pass or two
    optimal.plan_optimal(
        dataset.network,
        dataset.orders,
        Budget(50.0),
        lambda e: details.append(e.detail),
        max_rounds=1,
    )
    return [d for d in details if d.startswith("round")]


def test_a_budget_of_few_passes_proves_more_at_scarcity_prices(
    tight_batch: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    free, priced = _bound_of_first_priced_pass(tight_batch, monkeypatch)
    assert "scarcity prices" in priced

    def bound(detail: str) -> float:
        return float(detail.split("bound ")[1].split(" ")[0].replace(",", ""))

    assert bound(priced) > 1.05 * bound(free)


def test_a_budget_of_many_passes_prices_every_pass_at_the_lp_duals(tight_batch: Dataset) -> None:
    events: list[ProgressEvent] = []
    plan_dataset(tight_batch, "optimal", work=20.0, progress=events.append)
    assert not any("scarcity prices" in e.detail for e in events)


def test_the_bound_at_scarcity_prices_is_never_above_the_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the batch oracle's 16 batches (the exact optimum by an independent MIP), most of
    which have scarce stock."""
    monkeypatch.setattr(optimal, "FEW_PASSES", 10**9)
    at_scarcity = 0
    for seed in range(16):
        world, orders = draw_batch(RandomDraw(seed))
        exact = batch_optimum(SpecPricer(world), orders)
        events: list[ProgressEvent] = []
        plan = plan_dataset(world.dataset(orders), "optimal", work=100.0, progress=events.append)
        assert plan.bound is not None
        assert plan.bound <= exact.cost + SLACK, seed
        assert plan.bound <= exact.relaxed + SLACK, seed
        at_scarcity += any("scarcity prices" in e.detail for e in events)
    assert at_scarcity >= 8
