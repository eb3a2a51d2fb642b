"""The per-order solver for an order holding a current allocation (spec §7) finds the optimum,
move penalties included: checked against exhaustive search on small cases."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest

from solver.current import CurrentAllocation, HeldShipment, OrderCurrent
from solver.current_reading import whole_kits_locked
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_problem import OrderSolution, order_items
from solver.order_solver import solve_order
from solver.pricing import ChosenShipment, order_methods, price_order
from tests.factories import random_network, random_order


def random_current(rng: random.Random, net: Network, order: Order) -> OrderCurrent:
    """A plan of the order made on less stock than there is (so it may not be the best now),
    with some of its units locked."""
    ledger = Ledger.fresh(net)
    ledger.stock[ledger.stock > 0] -= (rng.random() < 0.5) * ledger.stock[ledger.stock > 0] // 2
    chosen = solve_order(net, order, ledger).chosen
    shipments = []
    for c in chosen:
        locked = {
            lid: rng.randint(0, q) if rng.random() < 0.35 else 0 for lid, q in c.units.items()
        }
        shipments.append(HeldShipment(c.node, c.key, dict(c.units), locked))
    return OrderCurrent(order.order_id, tuple(whole_kits_locked(order, shipments)))


def replanning(
    rng: random.Random, net: Network, order: Order, current: OrderCurrent
) -> tuple[Network, Ledger]:
    """The network after something happened (a node closes, a fence, other penalties)."""
    nodes = list(net.nodes)
    if rng.random() < 0.4:
        k = rng.randrange(len(nodes))
        nodes[k] = nodes[k].model_copy(update={"active": False})
    fences = frozenset(
        (n, s) for n in range(len(nodes)) for s in range(len(net.skus)) if rng.random() < 0.15
    )
    settings = net.settings.model_copy(
        update={
            "move_penalty_per_order": rng.choice([0.0, 3.0, 12.0]),
            "move_penalty_per_unit": rng.choice([0.0, 0.5, 4.0]),
        }
    )
    changed = replace(net, nodes=tuple(nodes), settings=settings)
    allocation = CurrentAllocation({order.order_id: current}, fences)
    return changed.with_current(allocation), Ledger.fresh(changed)


def exhaustive_best(net: Network, order: Order, current: OrderCurrent, ledger: Ledger) -> float:
    """Every way to spread every item over nodes (or leave it), every method per node, kept if
    it respects §5 with what the ledger has beyond the locks and §7 (locks at their node by
    their method, no new units at a fenced (node, SKU) or at a node that serves the order no
    more, no split guard on a shipment of locked units only); priced by `price_order`."""
    assert net.current is not None
    methods = order_methods(net, order)
    items = order_items(net, order)
    settings = net.settings
    serves = net.serves_channel(order.channel)
    locks = {s.node: s for s in current.shipments if s.has_locks}
    sku_of = {line.line_id: net.sku_index[line.sku] for line in order.lines}
    per_item_splits = [
        [c for c in itertools.product(range(it.qty + 1), repeat=len(net.nodes)) if sum(c) <= it.qty]
        for it in items
    ]
    best = math.inf
    for combo in itertools.product(*per_item_splits):
        used = [n for n in range(len(net.nodes)) if any(split[n] for split in combo)]
        if order.max_shipments is not None and len(used) > order.max_shipments:
            continue
        if any(n not in used for n in locks):
            continue
        units_at = {n: _line_units(items, [split[n] for split in combo]) for n in used}
        if not all(_keeps_locks(units_at[n], locks.get(n)) for n in used):
            continue
        if not all(
            _fits(net, order, ledger, n, units_at[n], locks.get(n), serves[n], sku_of) for n in used
        ):
            continue
        if len(used) > 1 and any(
            sum(net.sku_value[sku_of[lid]] * q for lid, q in units_at[n].items())
            < settings.min_shipment_value - 1e-9
            and not _only_locked(units_at[n], locks.get(n))
            for n in used
        ):
            continue
        key_choices = [
            [locks[n].key] if n in locks else [k for k in range(6) if methods.allowed(k, n)]
            for n in used
        ]
        for keys in itertools.product(*key_choices):
            if any(
                k == 3 and ledger.same_day_left[n] <= 0 and n not in locks
                for n, k in zip(used, keys, strict=True)
            ):
                continue
            chosen = [ChosenShipment(n, k, units_at[n]) for n, k in zip(used, keys, strict=True)]
            plan = price_order(net, order, chosen, methods)
            total = plan.breakdown.total if plan.breakdown else math.inf
            if not math.isnan(total):
                best = min(best, total)
    return best


def _line_units(items, content) -> dict[str, int]:
    units: dict[str, int] = {}
    for it, count in zip(items, content, strict=True):
        for lid, per in it.lines:
            if count:
                units[lid] = units.get(lid, 0) + per * count
    return units


def _keeps_locks(units: dict[str, int], held: HeldShipment | None) -> bool:
    return held is None or all(units.get(lid, 0) >= q for lid, q in held.locked.items())


def _only_locked(units: dict[str, int], held: HeldShipment | None) -> bool:
    return held is not None and all(q == held.locked.get(lid, 0) for lid, q in units.items())


def _fits(net, order, ledger, n, units, held, serves, sku_of) -> bool:
    """Units beyond the locks fit in what the ledger has beyond them; a locked shipment needs
    no free shipment slot; new units only where the node still serves the order and the
    (node, SKU) is not fenced."""
    locked = held.locked if held is not None else {}
    beyond = {lid: q - locked.get(lid, 0) for lid, q in units.items()}
    if any(q > 0 for q in beyond.values()):
        if not serves:
            return False
        fences = net.current.fences
        if any(q > 0 and (n, sku_of[lid]) in fences for lid, q in beyond.items()):
            return False
    if held is None and ledger.orders_left[n] < 1:
        return False
    lock_units = sum(locked.values())
    if sum(beyond.values()) > max(0, int(ledger.units_left[n]) - lock_units):
        return False
    need: dict[int, int] = {}
    lock_need: dict[int, int] = {}
    for lid, q in units.items():
        need[sku_of[lid]] = need.get(sku_of[lid], 0) + q
        lock_need[sku_of[lid]] = lock_need.get(sku_of[lid], 0) + locked.get(lid, 0)
    return all(q <= max(int(ledger.stock[n, s]), lock_need[s]) for s, q in need.items())


def held_case(seed: int) -> tuple[Network, Order, OrderCurrent, Ledger]:
    """A small network, an order that holds units, and the network it is re-planned on."""
    rng = random.Random(seed)
    while True:
        base = random_network(rng, n_nodes=3, n_skus=3)
        order = random_order(rng, base, max_lines=2)
        current = random_current(rng, base, order)
        if current.shipments:
            net, ledger = replanning(rng, base, order, current)
            return net, order, current, ledger


def solved_exactly(
    net: Network, order: Order, current: OrderCurrent, ledger: Ledger
) -> OrderSolution:
    """The per-order solver's answer, checked: its plan prices at its cost, and that cost is
    the exhaustive search's."""
    solution = solve_order(net, order, ledger)
    plan = price_order(net, order, solution.chosen)
    assert plan.breakdown is not None
    assert plan.breakdown.total == pytest.approx(solution.cost, abs=1e-6)
    assert solution.cost == pytest.approx(exhaustive_best(net, order, current, ledger), abs=1e-6)
    return solution


@pytest.mark.parametrize("seed", range(150))
def test_held_order_optimum_matches_exhaustive_search(seed: int) -> None:
    net, order, current, ledger = held_case(seed)
    solved_exactly(net, order, current, ledger)


@pytest.mark.parametrize("limit", ["ENUMERATION_LIMIT", "PAIR_LIMIT"])
@pytest.mark.parametrize("seed", range(60))
def test_held_order_mip_matches_exhaustive_search(
    seed: int, limit: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The MIP (with floors, fixed methods and the kept-unit bonus) alone, on every order,
    whichever limit sends it there."""
    monkeypatch.setattr(f"solver.order_current.{limit}", 0)
    net, order, current, ledger = held_case(1000 + seed)
    solution = solved_exactly(net, order, current, ledger)
    # Solved to optimality, its proven bound is its cost (the move cost's constant included).
    assert solution.lower_bound == pytest.approx(solution.cost, abs=1e-6)


def held_kit_case(seed: int) -> tuple[Network, Order, OrderCurrent, Ledger]:
    """An order with a kit held whole at one node, re-planned with a bonus per unit kept (so a
    kit kept where it was earns it once per unit of the kit, spec §7)."""
    rng = random.Random(seed)
    while True:
        base = random_network(rng, n_nodes=3, n_skus=3)
        order = random_order(rng, base, max_lines=3)
        kit = {line.line_id for line in order.lines if line.group}
        if not kit:
            continue
        current = random_current(rng, base, order)
        if not any(kit <= {lid for lid, q in s.units.items() if q} for s in current.shipments):
            continue
        net, ledger = replanning(rng, base, order, current)
        if net.settings.move_penalty_per_unit:
            return net, order, current, ledger


@pytest.mark.parametrize("seed", range(150))
def test_held_kit_mip_matches_exhaustive_search(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The MIP alone on orders holding a kit, each unit kept earning the per-unit penalty back."""
    monkeypatch.setattr("solver.order_current.ENUMERATION_LIMIT", 0)
    net, order, current, ledger = held_kit_case(seed)
    solution = solve_order(net, order, ledger)
    assert solution.cost == pytest.approx(exhaustive_best(net, order, current, ledger), abs=1e-6)
    assert solution.lower_bound == pytest.approx(solution.cost, abs=1e-6)


@pytest.mark.parametrize("seed", range(60))
def test_held_order_mip_matches_exhaustive_search_under_a_binding_split_guard(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The MIP alone with a split guard that binds. Where the current allocation itself breaks
    the guard (two held shipments each worth less than it), the problem "keep every held
    unit where it is" has no plan: the MIP says so (infinite cost) and the order moves, as
    the enumeration does; it used to end INFEASIBLE, a RuntimeError in a re-plan (seeds 15,
    23 and 32)."""
    monkeypatch.setattr("solver.order_current.ENUMERATION_LIMIT", 0)
    net, order, current, ledger = held_case(2000 + seed)
    guarded = replace(net, settings=net.settings.model_copy(update={"min_shipment_value": 40.0}))
    solution = solve_order(guarded, order, ledger)
    assert solution.cost == pytest.approx(
        exhaustive_best(guarded, order, current, ledger), abs=1e-6
    )


def locked_only_case(seed: int) -> tuple[Network, Order, OrderCurrent, Ledger]:
    """An order held in two or more shipments, the first one wholly locked, re-planned with a
    split guard above that shipment's value: spec §7 exempts a shipment of locked units only
    from the guard, so whether the other units may ship beside it turns on the exemption."""
    rng = random.Random(seed)
    while True:
        base = random_network(rng, n_nodes=3, n_skus=3)
        order = random_order(rng, base, max_lines=3)
        drawn = random_current(rng, base, order)
        if len(drawn.shipments) < 2:
            continue
        first, *rest = drawn.shipments
        shipments = [HeldShipment(first.node, first.key, dict(first.units), dict(first.units))]
        shipments += [HeldShipment(s.node, s.key, dict(s.units), {}) for s in rest]
        current = OrderCurrent(order.order_id, tuple(shipments))
        net, ledger = replanning(rng, base, order, current)
        guard = round(locked_value(base, order, first.units) * rng.uniform(1.2, 3.0), 2)
        settings = net.settings.model_copy(update={"min_shipment_value": guard})
        return replace(net, settings=settings), order, current, ledger


def locked_value(net: Network, order: Order, units: dict[str, int]) -> float:
    sku_of = {line.line_id: net.sku_index[line.sku] for line in order.lines}
    return sum(net.sku_value[sku_of[lid]] * q for lid, q in units.items())


LOCKED_ONLY_SEEDS = range(120)


@pytest.mark.parametrize("path", ["enumeration", "mip"])
@pytest.mark.parametrize("seed", LOCKED_ONLY_SEEDS)
def test_a_shipment_of_locked_units_only_is_exempt_from_the_split_guard(
    seed: int, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of solving a held order (the enumeration and the MIP alone) against the
    exhaustive search, on draws where the exemption decides the optimum."""
    if path == "mip":
        monkeypatch.setattr("solver.order_current.ENUMERATION_LIMIT", 0)
    net, order, current, ledger = locked_only_case(seed)
    solved_exactly(net, order, current, ledger)


def test_the_locked_only_draws_use_the_exemption() -> None:
    """The draws above are not trivial: in at least one in ten the optimum ships the locked
    shipment, worth less than the guard, beside another shipment (what the exemption allows
    and the guard alone forbids)."""
    used = 0
    for seed in LOCKED_ONLY_SEEDS:
        net, order, current, ledger = locked_only_case(seed)
        locked = current.shipments[0]
        chosen = solve_order(net, order, ledger).chosen
        at_locked = [c for c in chosen if c.node == locked.node]
        if (
            len(chosen) >= 2
            and at_locked
            and dict(at_locked[0].units) == dict(locked.units)
            and locked_value(net, order, dict(locked.units)) < net.settings.min_shipment_value
        ):
            used += 1
    assert used >= len(LOCKED_ONLY_SEEDS) // 10, used
