"""A current allocation that does not match its dataset is refused with every problem at once,
each naming the file, the order, the shipment's node and the line."""

from __future__ import annotations

import json
from pathlib import Path

from solver.current_reading import read_current, read_current_file
from solver.models import Fence, PlanLine
from solver.network import Dataset
from solver.planfile import plan_json
from solver.pricing import PICKUP, TRANSFER
from tests.unit.replan_fixtures import (
    S1,
    S2,
    W1,
    W2,
    as_plan,
    order,
    order_plan,
    ship,
    small_network,
)

NET = small_network()
O1 = order("o1", ("A", 2), ("B", 1))
KIT = order("k", ("A", 1), ("B", 1)).model_copy(
    update={
        "lines": tuple(
            line.model_copy(update={"group": "g"}) for line in order("k", ("A", 1), ("B", 1)).lines
        )
    }
)
PICK = order("p", ("A", 2), service="pickup", pickup_node="S1")


def problems_of(plans, orders=(O1,), fences=()):
    found, problems = read_current(NET, orders, plans, fences, "current.json")
    assert (found is None) == bool(problems)
    return problems


def with_line(plan, shipment, line, **update):
    s = plan.shipments[shipment]
    lines = list(s.lines)
    lines[line] = lines[line].model_copy(update=update)
    shipments = list(plan.shipments)
    shipments[shipment] = s.model_copy(update={"lines": tuple(lines)})
    return plan.model_copy(update={"shipments": tuple(shipments)})


def test_a_valid_current_allocation_is_read():
    plan = order_plan(NET, O1, [ship(W1, _1=2), ship(W2, _2=1)], {(W1, "1"): 1})
    current, problems = read_current(NET, [O1], [plan], [Fence(node_id="S1", sku="A")])
    assert problems == [] and current is not None
    held = current.of("o1")
    assert held is not None and held.held(W1, "1") == 2 and held.locked(W1, "1") == 1
    assert current.fences == frozenset({(S1, 0)})


def test_locked_above_the_shipped_qty_is_refused():
    plan = with_line(order_plan(NET, O1, [ship(W1, _1=2)]), 0, 0, locked=3)
    assert problems_of([plan]) == [
        "current.json: order o1 shipment from W1 line 1: locked 3 > qty 2"
    ]


def test_every_mismatch_is_reported_at_once():
    good = order_plan(NET, O1, [ship(W1, _1=2, _2=1)])
    unknown_node = good.model_copy(
        update={"shipments": (good.shipments[0].model_copy(update={"node_id": "W9"}),)}
    )
    unknown_line = with_line(good, 0, 1, line_id="7")
    wrong_sku = with_line(good, 0, 1, sku="A")
    too_many = good.model_copy(
        update={
            "shipments": (
                *good.shipments,
                order_plan(NET, O1, [ship(W2, _1=2)]).shipments[0],
            )
        }
    )
    stranger = good.model_copy(update={"order_id": "o9"})
    problems = problems_of(
        [unknown_node, stranger],
        fences=[Fence(node_id="W7", sku="A"), Fence(node_id="W1", sku="Z")],
    )
    assert problems == [
        "current.json: order o1 shipment from W9: unknown node 'W9'",
        "current.json: orders[1]: order 'o9' is not an order of the dataset",
        "current.json: fences[0]: unknown node 'W7'",
        "current.json: fences[1]: unknown sku 'Z'",
    ]
    assert problems_of([unknown_line]) == [
        "current.json: order o1 shipment from W1 line 7: the order has no such line"
    ]
    assert problems_of([wrong_sku]) == [
        "current.json: order o1 shipment from W1 line 2: sku A, the order line is B"
    ]
    assert problems_of([too_many]) == [
        "current.json: order o1 line 1: holds 4 units, the line's qty is 2"
    ]
    assert problems_of([good, good]) == ["current.json: order o1 is given more than once"]


def test_a_kit_held_in_two_places_is_refused():
    plan = order_plan(NET, KIT, [ship(W1, _1=1), ship(W2, _2=1)])
    assert problems_of([plan], orders=(KIT,)) == [
        "current.json: order k kit 'g': not held whole at one node (held at W1, W2)"
    ]


def test_a_pickup_away_from_the_orders_store_is_refused():
    plan = order_plan(NET, PICK.model_copy(update={"pickup_node": "S2"}), [ship(S2, PICKUP, _1=2)])
    assert problems_of([plan], orders=(PICK,)) == [
        "current.json: order p shipment from S2: a pickup at S2, but the order's pickup_node is "
        "S1 (§7: it never changes)"
    ]


def test_a_method_of_the_wrong_family_is_refused():
    plan = order_plan(NET, O1, [ship(W1, _1=2)])
    transfer = plan.model_copy(
        update={"shipments": (plan.shipments[0].model_copy(update={"method": "transfer"}),)}
    )
    assert problems_of([transfer]) == [
        "current.json: order o1 shipment from W1: a ground order cannot ship by transfer"
    ]
    pickup = order_plan(NET, PICK, [ship(W1, TRANSFER, _1=2)])
    parcel = pickup.model_copy(
        update={"shipments": (pickup.shipments[0].model_copy(update={"method": "parcel"}),)}
    )
    assert problems_of([parcel], orders=(PICK,)) == [
        "current.json: order p shipment from W1: a pickup order cannot ship by parcel (only "
        "pickup or transfer)"
    ]


def test_unfilled_units_cannot_be_locked():
    plan = order_plan(NET, O1, [ship(W1, _1=2)])
    plan = plan.model_copy(update={"unfilled": (PlanLine(line_id="2", sku="B", qty=1, locked=1),)})
    assert problems_of([plan]) == [
        "current.json: order o1 unfilled line 2: unfilled units cannot be locked"
    ]


def test_orders_without_a_current_allocation_are_new_orders():
    current, problems = read_current(NET, [O1, PICK], [order_plan(NET, O1, [ship(W1, _1=1)])])
    assert problems == [] and current is not None
    assert current.of("p") is None


def test_a_current_file_is_read_with_its_fences(tmp_path: Path):
    data = Dataset("small", NET, (O1,))
    plan = as_plan(data, [order_plan(NET, O1, [ship(W1, _1=2)], {(W1, "1"): 2})])
    document = json.loads(plan_json(plan))
    document["fences"] = [{"node_id": "W2", "sku": "B"}]
    path = tmp_path / "current.json"
    path.write_text(json.dumps(document))
    current, problems = read_current_file(path, data)
    assert problems == [] and current is not None
    assert current.fences == frozenset({(W2, 1)})
    assert current.of("o1").locked(W1, "1") == 2


def test_a_broken_current_file_is_refused_with_its_name(tmp_path: Path):
    path = tmp_path / "current.json"
    path.write_text("{not json")
    current, problems = read_current_file(path, Dataset("small", NET, (O1,)))
    assert current is None and problems[0].startswith(f"{path}: invalid JSON")


def test_locked_units_beyond_the_stock_are_refused():
    """Locked units cannot move, so they must fit what the node has."""
    from solver.models import StockRow
    from tests.factories import network
    from tests.unit.replan_fixtures import NODES, PENALTIES, SKUS

    net = network(NODES, SKUS, [StockRow(node_id="W1", sku="A", on_hand=1)], PENALTIES)
    plan = order_plan(NET, O1, [ship(W1, _1=2)], {(W1, "1"): 2})
    found, problems = read_current(net, [O1], [plan], (), "current.json")
    assert found is None
    assert problems == ["current.json: node W1, sku A: 2 units locked, 1 available"]


def test_a_lock_on_a_kit_line_locks_the_whole_kit():
    plan = order_plan(NET, KIT, [ship(W1, _1=1, _2=1)], {(W1, "2"): 1})
    current, problems = read_current(NET, [KIT], [plan])
    assert problems == [] and current is not None
    assert dict(current.of("k").by_node[W1].locked) == {"1": 1, "2": 1}
