"""The per-order solver's enumeration decides splits itself, at the edges of its rules.

Orders whose lines each sit at one node, so the enumeration's answer (each part from its
cheapest node) is a plan and no MIP settles it. Figures by hand: every node is 11 km from the
customer (one zone, ground 5.00 for up to 5 kg, 1 day, promise 5: never late), handling 1.00
per shipment, nothing per unit; SKUs weigh 1 kg; unfilled units cost their value.
"""

from __future__ import annotations

import pytest

from solver.ledger import Ledger
from solver.models import (
    Customer,
    Node,
    Order,
    OrderLine,
    Rate,
    Settings,
    Sku,
    StockRow,
    Transit,
    Zone,
)
from solver.network import Network, build_network
from solver.order_solver import solve_order

CUSTOMER = Customer(lat=40.1, lon=-74.0)


def one_line_per_node(
    values: list[float], settings: Settings, shipping: float = 5.0, handling: float = 1.0
) -> tuple[Network, Order]:
    """Node Ni has one unit of SKU Ki only; the order wants one unit of each."""
    nodes = [
        Node(
            node_id=f"N{i}",
            kind="warehouse",
            lat=40.0,
            lon=-74.0 + 0.001 * i,
            ships=True,
            pickup=False,
            same_day=False,
            processing_days=0,
            handling_per_order=handling,
            handling_per_unit=0.0,
        )
        for i in range(len(values))
    ]
    skus = [Sku(sku=f"K{i}", weight_kg=1.0, unit_value=v) for i, v in enumerate(values)]
    stock = [StockRow(node_id=f"N{i}", sku=f"K{i}", on_hand=1) for i in range(len(values))]
    net = build_network(
        nodes,
        skus,
        stock,
        [Zone(zone="1", max_km=100)],
        [Rate(service="ground", zone="1", max_kg=5, cost=shipping)],
        [Transit(service="ground", zone="1", days=1)],
        settings,
    )
    order = Order(
        order_id="o",
        customer=CUSTOMER,
        service="ground",
        lines=tuple(OrderLine(line_id=str(i + 1), sku=f"K{i}", qty=1) for i in range(len(values))),
    )
    return net, order


def shipped_lines(net: Network, order: Order) -> tuple[float, list[list[str]]]:
    solution = solve_order(net, order, Ledger.fresh(net))
    return solution.cost, sorted(sorted(c.units) for c in solution.chosen)


def test_a_split_that_saves_half_a_unit_of_money_is_taken() -> None:
    # One shipment (line 1) + line 2 unfilled: 5 + 1 + 7.50 = 13.50.
    # Both lines, one shipment each: 2 × (5 + 1) + split penalty 1 = 13.00.
    net, order = one_line_per_node([50.0, 7.5], Settings(split_penalty=1.0))
    cost, lines = shipped_lines(net, order)
    assert cost == pytest.approx(13.0)
    assert lines == [["1"], ["2"]]


def test_a_split_that_saves_nothing_is_not_taken() -> None:
    # Line 2 worth 7.00: 13.00 either way; with 6.99 the single shipment wins (12.99).
    net, order = one_line_per_node([50.0, 6.99], Settings(split_penalty=1.0))
    cost, lines = shipped_lines(net, order)
    assert cost == pytest.approx(12.99)
    assert lines == [["1"]]


def test_three_lines_from_three_nodes() -> None:
    # 3 × 6 + 2 × split 1 = 20.00, against 6 + 40 + 45 = 91.00 for one line only.
    net, order = one_line_per_node([50.0, 40.0, 45.0], Settings(split_penalty=1.0))
    cost, lines = shipped_lines(net, order)
    assert cost == pytest.approx(20.0)
    assert lines == [["1"], ["2"], ["3"]]


def test_free_shipping_splits_whenever_it_fills_more() -> None:
    # Shipments cost nothing and splitting nothing: every line ships, for 0.00.
    net, order = one_line_per_node(
        [20.0, 30.0], Settings(split_penalty=0.0), shipping=0.0, handling=0.0
    )
    cost, lines = shipped_lines(net, order)
    assert cost == pytest.approx(0.0)
    assert lines == [["1"], ["2"]]


def test_a_split_shipment_worth_exactly_the_guard_may_go() -> None:
    # min_shipment_value 20.00 and each shipment carries 20.00: the split is allowed (§5.3).
    net, order = one_line_per_node(
        [20.0, 20.0], Settings(split_penalty=1.0, min_shipment_value=20.0)
    )
    cost, lines = shipped_lines(net, order)
    assert cost == pytest.approx(13.0)
    assert lines == [["1"], ["2"]]


def test_a_split_shipment_a_cent_under_the_guard_may_not_go() -> None:
    # min_shipment_value 20.01: neither shipment of 20.00 may go in a split, so one line
    # ships alone (6.00) and the other stays unfilled (20.00).
    net, order = one_line_per_node(
        [20.0, 20.0], Settings(split_penalty=1.0, min_shipment_value=20.01)
    )
    cost, lines = shipped_lines(net, order)
    assert cost == pytest.approx(26.0)
    assert len(lines) == 1
