"""The per-order solver never builds a quadratic number of (content, sub-content) pairs: a line
of thousands of units goes to the exact MIP (schemathesis found a POST /v1/promise of 13.7 s:
one line of 2,566 units built 3.3 million pairs, four times, one per service)."""

from __future__ import annotations

import pytest

import solver.order_solver as order_solver
from solver import load_dataset, solve_order
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Dataset
from tests.sam_template import ROOT


@pytest.fixture(scope="module")
def demo() -> Dataset:
    dataset = load_dataset(ROOT / "examples/demo").dataset
    assert dataset is not None
    return dataset


def _one_line(qty: int) -> Order:
    return Order.model_validate(
        {
            "order_id": f"one-line-{qty}",
            "service": "ground",
            "customer": {"lat": 40.7, "lon": -111.9},
            "lines": [{"line_id": "1", "sku": "SKU-00001", "qty": qty}],
        }
    )


def test_a_line_of_thousands_of_units_builds_no_pairs(
    demo: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pairs(*_: object) -> None:
        raise AssertionError("the enumeration built its pairs")

    monkeypatch.setattr(order_solver, "sub_content_pairs", no_pairs)
    solution = solve_order(demo.network, _one_line(2566), Ledger.fresh(demo.network))
    assert solution.cost > 0


def test_both_sides_of_the_pair_limit_give_the_same_plan_cost(
    demo: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = _one_line(446)  # 100,128 pairs
    enumerated = solve_order(demo.network, order, Ledger.fresh(demo.network))
    monkeypatch.setattr(order_solver, "PAIR_LIMIT", 0)
    by_mip = solve_order(demo.network, order, Ledger.fresh(demo.network))
    assert by_mip.cost == pytest.approx(enumerated.cost, abs=1e-6)


def test_every_small_order_stays_enumerated() -> None:
    assert max(3**12, 6**7) <= order_solver.PAIR_LIMIT  # 12 lines of 1 unit, 7 of 2
