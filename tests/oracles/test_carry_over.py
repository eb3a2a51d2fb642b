"""Stock carried between what-if days counts every shipment of every order, split ones too.

A scenario's days are planned in sequence; the stock each day starts with is what the days
before it left (spec §1: available = on hand − safety stock − units already taken). Each day's
plan is judged by the spec oracle against the stock recomputed from the earlier days' plans by
hand, and the datasets `replay_days` rebuilds must start from that same stock.
"""

from __future__ import annotations

from collections import Counter

import pytest

from solver.models import Customer, Order, OrderLine, Plan, Settings, Sku, StockRow, Transit
from solver.scenarios.running import replay_days, run_scenario
from tests.oracles.sampling import oracle_property
from tests.oracles.spec import World, judge_plan
from tests.oracles.worlds import (
    LOOSE,
    ZONES,
    Draw,
    HypothesisDraw,
    RandomDraw,
    draw_order,
    draw_rates,
    draw_world,
    plain_node,
)

DAYS = ("2026-11-20", "2026-11-21", "2026-11-22")


def on_day(order: Order, day: str) -> Order:
    return order.model_copy(update={"created_at": f"{day}T10:00:00Z"})


def left_after(world: World, plans: list[Plan]) -> dict[tuple[str, str], int]:
    """On-hand stock after these plans shipped, every unit of every shipment counted."""
    shipped: Counter[tuple[str, str]] = Counter()
    for plan in plans:
        for order_plan in plan.orders:
            for shipment in order_plan.shipments:
                for line in shipment.lines:
                    shipped[shipment.node_id, line.sku] += line.qty
    return {
        (row.node_id, row.sku): max(0, row.on_hand - shipped[row.node_id, row.sku])
        for row in world.stock
    }


def assert_days_carry_every_shipment(world: World, orders: list[Order], strategy: str) -> int:
    """Run the scenario; each day keeps every rule on the stock the earlier days left. Returns
    how many orders of the run split (so callers can tell the path was reached)."""
    run = run_scenario("oracle", world.network, orders, strategy)
    plans = [batch.plan for batch in run.batches]
    replayed = replay_days("oracle", world.network, orders, plans)
    for d, (batch, dataset) in enumerate(zip(run.batches, replayed, strict=True)):
        today = world.with_on_hand(left_after(world, plans[:d]))
        day_orders = [o for o in orders if o.created_at and o.created_at.startswith(batch.day)]
        judgement = judge_plan(today, day_orders, batch.plan)
        assert not judgement.broken, (batch.day, judgement.broken)
        net = dataset.network
        for row in today.stock:
            got = int(net.on_hand[net.node_index[row.node_id], net.sku_index[row.sku]])
            assert got == row.on_hand, (batch.day, row.node_id, row.sku)
    return sum(len(p.shipments) > 1 for plan in plans for p in plan.orders)


def two_stores_one_unit_each() -> World:
    """Two warehouses 10 km from the customer, one unit of K each; nothing limits capacity."""
    node = plain_node("A")
    nodes = (node, node.model_copy(update={"node_id": "B", "lon": -74.02}))
    return World(
        nodes=nodes,
        skus=(Sku(sku="K", weight_kg=1.0, unit_value=50.0),),
        stock=tuple(StockRow(node_id=n.node_id, sku="K", on_hand=1) for n in nodes),
        zones=ZONES,
        rates=tuple(draw_rates(RandomDraw(0))),
        transits=tuple(
            Transit(service=s, zone=z.zone, days=1)
            for s in ("ground", "express", "next_day")
            for z in ZONES
        ),
        settings=Settings(split_penalty=1.0),
    )


def order_of(order_id: str, qty: int, day: str) -> Order:
    return Order(
        order_id=order_id,
        created_at=f"{day}T10:00:00Z",
        customer=Customer(lat=40.05, lon=-74.01),
        service="ground",
        lines=(OrderLine(line_id="1", sku="K", qty=qty),),
    )


@pytest.mark.parametrize("strategy", ["myopic", "optimal"])
def test_stock_a_split_order_took_on_day_one_is_gone_on_day_two(strategy: str) -> None:
    world = two_stores_one_unit_each()
    orders = [order_of("first", 2, DAYS[0]), order_of("second", 1, DAYS[1])]
    run = run_scenario("oracle", world.network, orders, strategy)
    day_one, day_two = (b.plan.orders[0] for b in run.batches)
    assert sorted(s.node_id for s in day_one.shipments) == ["A", "B"]
    assert day_two.shipments == ()
    assert [(u.sku, u.qty) for u in day_two.unfilled] == [("K", 1)]
    assert_days_carry_every_shipment(world, orders, strategy)


def draw_run(draw: Draw) -> tuple[World, list[Order]]:
    """A world and orders over two or three days that want the same scarce stock."""
    world = draw_world(draw, LOOSE)
    days = DAYS[: draw.integer(2, 3)]
    orders = [
        on_day(draw_order(draw, world, f"o-{i}", lines=(1, 2), qty=(1, 4)), draw.pick(days))
        for i in range(draw.integer(3, 8))
    ]
    return world, orders


@oracle_property(in_ci=25)
def test_every_day_keeps_the_rules_on_the_stock_the_days_before_left(data) -> None:
    world, orders = draw_run(HypothesisDraw(data))
    assert_days_carry_every_shipment(world, orders, "myopic")


def test_carry_over_is_checked_on_runs_where_orders_split() -> None:
    splits = 0
    for seed in range(30):
        splits += assert_days_carry_every_shipment(*draw_run(RandomDraw(seed)), "myopic")
    assert splits >= 10, f"only {splits} split orders in 30 runs: the sample went trivial"
