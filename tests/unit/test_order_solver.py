"""The per-order solver finds the optimum: checked against exhaustive search on small cases."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from solver.ledger import Ledger
from solver.models import Customer, Order, OrderLine, Settings, Sku, StockRow
from solver.network import Network
from solver.order_problem import order_items
from solver.order_solver import solve_order
from solver.pricing import ChosenShipment, order_methods, price_order
from tests.factories import network, node, random_network, random_order


def exhaustive_best(net: Network, order: Order, ledger: Ledger) -> float:
    """Try every way to spread every item over nodes (or leave it), every method per node."""
    methods = order_methods(net, order)
    items = order_items(net, order)
    nodes = range(len(net.nodes))
    per_item_splits = []
    for it in items:
        splits = [
            c
            for c in itertools.product(range(it.qty + 1), repeat=len(net.nodes))
            if sum(c) <= it.qty
        ]
        per_item_splits.append(splits)
    settings = net.settings
    best = math.inf
    for combo in itertools.product(*per_item_splits):
        used = [n for n in nodes if any(split[n] for split in combo)]
        if order.max_shipments is not None and len(used) > order.max_shipments:
            continue
        contents = {n: [split[n] for split in combo] for n in used}
        if not _fits(net, ledger, items, contents):
            continue
        values = {n: sum(it.value * k for it, k in zip(items, contents[n])) for n in used}
        if len(used) > 1 and any(v < settings.min_shipment_value - 1e-9 for v in values.values()):
            continue
        key_choices = [[k for k in range(6) if methods.allowed(k, n)] for n in used]
        for keys in itertools.product(*key_choices):
            if any(k == 3 and ledger.same_day_left[n] <= 0 for n, k in zip(used, keys)):
                continue
            chosen = []
            for n, k in zip(used, keys):
                units: dict[str, int] = {}
                for it, cnt in zip(items, contents[n]):
                    for lid, per in it.lines:
                        if cnt:
                            units[lid] = units.get(lid, 0) + per * cnt
                chosen.append(ChosenShipment(n, k, units))
            plan = price_order(net, order, chosen, methods)
            total = plan.breakdown.total if plan.breakdown else math.inf
            if not math.isnan(total):
                best = min(best, total)
    return best


def _fits(net, ledger, items, contents) -> bool:
    for n, content in contents.items():
        if ledger.orders_left[n] < 1:
            return False
        units = sum(it.units * k for it, k in zip(items, content))
        if units > ledger.units_left[n]:
            return False
        need: dict[int, int] = {}
        for it, k in zip(items, content):
            for s, q in it.sku_use:
                need[s] = need.get(s, 0) + q * k
        if any(q > ledger.stock[n, s] for s, q in need.items()):
            return False
    return True


@pytest.mark.parametrize("seed", range(60))
def test_per_order_optimum_matches_exhaustive_search(seed: int) -> None:
    rng = random.Random(seed)
    net = random_network(rng, n_nodes=3, n_skus=3)
    order = random_order(rng, net, max_lines=2)
    ledger = Ledger.fresh(net)
    solution = solve_order(net, order, ledger)
    plan = price_order(net, order, solution.chosen)
    assert plan.breakdown is not None
    assert plan.breakdown.total == pytest.approx(solution.cost, abs=1e-6)
    assert solution.cost == pytest.approx(exhaustive_best(net, order, ledger), abs=1e-6)


def test_two_nodes_share_a_line_when_neither_has_it_all() -> None:
    net = network(
        [node("A", lat=40.0, lon=-74.0), node("B", lat=40.1, lon=-74.1)],
        [Sku(sku="X", weight_kg=1.0, unit_value=50.0)],
        [StockRow(node_id="A", sku="X", on_hand=1), StockRow(node_id="B", sku="X", on_hand=1)],
        Settings(split_penalty=4.0),
    )
    order = Order(
        order_id="o",
        customer=Customer(lat=40.05, lon=-74.05),
        service="ground",
        lines=(OrderLine(line_id="1", sku="X", qty=2),),
    )
    solution = solve_order(net, order, Ledger.fresh(net))
    assert sorted(c.node for c in solution.chosen) == [0, 1]
    assert all(dict(c.units) == {"1": 1} for c in solution.chosen)
