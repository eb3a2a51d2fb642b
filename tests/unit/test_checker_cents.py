"""The checker's "to the cent" (§6): a stated amount agrees with the recomputed one when they
differ by at most half a cent, for an order's cost as for the plan's total."""

from __future__ import annotations

import pytest

from solver.checker import check_plan
from solver.models import (
    Customer,
    Order,
    OrderLine,
    OrderPlan,
    Plan,
    PlanLine,
    Settings,
    Sku,
    StockRow,
)
from solver.network import Dataset
from tests.factories import network, node


def unfilled_order_plan(stated: float) -> tuple[Dataset, Plan]:
    """One unit of a 10.01 SKU left unfilled at a penalty factor of 1.5: it costs 15.015."""
    net = network(
        [node("W1")],
        [Sku(sku="K", weight_kg=1.0, unit_value=10.01)],
        [StockRow(node_id="W1", sku="K", on_hand=0)],
        Settings(unfilled_penalty_factor=1.5),
    )
    order = Order(
        order_id="o",
        customer=Customer(lat=40.0, lon=-74.0),
        service="ground",
        lines=(OrderLine(line_id="1", sku="K", qty=1),),
    )
    plan = Plan(
        dataset="d",
        strategy="s",
        total_cost=stated,
        orders=(
            OrderPlan(order_id="o", cost=stated, unfilled=(PlanLine(line_id="1", sku="K", qty=1),)),
        ),
    )
    return Dataset("d", net, (order,)), plan


@pytest.mark.parametrize("stated", [15.01, 15.02])
def test_wrong_cost_allows_half_a_cent_either_way(stated: float) -> None:
    # 15.015 rounds to 15.01 or 15.02 depending on how it was added up: both agree to the cent.
    dataset, plan = unfilled_order_plan(stated)
    report = check_plan(dataset, plan)
    assert report.recomputed_total == pytest.approx(15.015)
    assert report.ok, [str(v) for v in report.violations]


@pytest.mark.parametrize("stated", [15.00, 15.03])
def test_wrong_cost_catches_a_cent_and_more(stated: float) -> None:
    dataset, plan = unfilled_order_plan(stated)
    assert "wrong_cost" in check_plan(dataset, plan).rules
