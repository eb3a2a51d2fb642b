"""In which order to commit a re-plan's changes so that every step fits (for the workflow).

Committing an order's change releases its old reservation and takes the new one. A change
that takes what another change releases (the same SKU at the same node, or a node's daily
capacity) must wait for it; changes that wait for each other (a cycle) must be committed
together, in one transaction. Steps are found greedily from what is left now: every change
that fits is committed, in the orders' sequence; when none fits, the smallest group of
changes that wait only for each other (a strongly connected component of "waits for") and
fits together is committed as one step. Each step fits what the steps before it left.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from solver.ledger import Ledger
from solver.models import Order
from solver.network import UNLIMITED, Network
from solver.pricing import SAME_DAY, ChosenShipment

Resource = tuple[str, str, str]
"""(kind, node_id, sku): kind `stock` (with its SKU), or `orders`, `units`, `same_day` (sku
`""`): a node's daily shipments, units and same-day shipments."""


@dataclass(frozen=True)
class CommitStep:
    """Orders whose changes are committed together (one transaction when more than one)."""

    order_ids: tuple[str, ...]
    net: Mapping[Resource, int]
    """What the step takes (+) and releases (−) in all, per resource."""


@dataclass(frozen=True)
class CommitPlan:
    steps: tuple[CommitStep, ...]
    deltas: Mapping[str, Mapping[Resource, int]]
    """Per changed order: units taken (+) and released (−) per resource."""
    waits_for: Mapping[str, Mapping[str, tuple[Resource, ...]]]
    """Per changed order that needs another's release first: those orders and resources."""


def usage(
    network: Network, order: Order, decision: Sequence[ChosenShipment]
) -> dict[Resource, int]:
    """What a decision for `order` takes of each resource."""
    sku_of = {line.line_id: line.sku for line in order.lines}
    used: dict[Resource, int] = {}
    for c in decision:
        node = network.nodes[c.node].node_id
        for lid, q in c.units.items():
            if q:
                key = ("stock", node, sku_of[lid])
                used[key] = used.get(key, 0) + q
        for kind, amount in (("orders", 1), ("units", sum(c.units.values()))):
            used[kind, node, ""] = used.get((kind, node, ""), 0) + amount
        if c.key == SAME_DAY:
            used["same_day", node, ""] = used.get(("same_day", node, ""), 0) + 1
    return used


def available_now(network: Network, left: Ledger) -> dict[Resource, int]:
    """What `left` says is left, per limited resource (unlimited ones are absent)."""
    out: dict[Resource, int] = {}
    for n, s in zip(*left.stock.nonzero(), strict=True):
        out["stock", network.nodes[n].node_id, network.skus[s].sku] = int(left.stock[n, s])
    for kind, amounts in (
        ("orders", left.orders_left),
        ("units", left.units_left),
        ("same_day", left.same_day_left),
    ):
        for n, amount in enumerate(amounts):
            if amount < UNLIMITED // 2:
                out[kind, network.nodes[n].node_id, ""] = int(amount)
    return out


def commit_plan(
    changes: Mapping[str, Mapping[Resource, int]],
    sequence: Sequence[str],
    available: Mapping[Resource, int],
) -> CommitPlan:
    """Steps committing every change of `changes` (order id → deltas), from `available`
    (resources absent from it are unlimited; stock absent is 0)."""
    left = dict(available)

    def room(r: Resource) -> float:
        if r in left:
            return left[r]
        return 0 if r[0] == "stock" else float("inf")

    def fits(deltas: Mapping[Resource, int]) -> bool:
        return all(amount <= 0 or room(r) >= amount for r, amount in deltas.items())

    def apply(deltas: Mapping[Resource, int]) -> None:
        for r, amount in deltas.items():
            if r in left or r[0] == "stock":
                left[r] = left.get(r, 0) - amount

    waits_for = _waits_for(changes, room)
    pending = [oid for oid in sequence if oid in changes]
    steps: list[CommitStep] = []
    while pending:
        moved = False
        for oid in list(pending):
            if fits(changes[oid]):
                apply(changes[oid])
                steps.append(CommitStep((oid,), dict(changes[oid])))
                pending.remove(oid)
                moved = True
        if moved:
            continue
        group = _group_that_fits(pending, changes, room, fits)
        total = _sum(changes[oid] for oid in group)
        apply(total)
        steps.append(CommitStep(tuple(group), total))
        pending = [oid for oid in pending if oid not in group]
    return CommitPlan(tuple(steps), {k: dict(v) for k, v in changes.items()}, waits_for)


Room = Callable[[Resource], float]
Fits = Callable[[Mapping[Resource, int]], bool]


def _sum(many: Iterable[Mapping[Resource, int]]) -> dict[Resource, int]:
    total: dict[Resource, int] = {}
    for deltas in many:
        for r, amount in deltas.items():
            total[r] = total.get(r, 0) + amount
    return {r: a for r, a in total.items() if a}


def _waits_for(
    changes: Mapping[str, Mapping[Resource, int]], room: Room
) -> dict[str, dict[str, tuple[Resource, ...]]]:
    """Order → the orders releasing what it takes beyond what is left now, and where."""
    releasers: dict[Resource, list[str]] = {}
    for oid, deltas in changes.items():
        for r, amount in deltas.items():
            if amount < 0:
                releasers.setdefault(r, []).append(oid)
    out: dict[str, dict[str, tuple[Resource, ...]]] = {}
    for oid, deltas in changes.items():
        for r, amount in deltas.items():
            if amount > 0 and room(r) < amount:
                for other in releasers.get(r, []):
                    if other != oid:
                        found = out.setdefault(oid, {})
                        found[other] = (*found.get(other, ()), r)
    return out


def _group_that_fits(
    pending: list[str],
    changes: Mapping[str, Mapping[Resource, int]],
    room: Room,
    fits: Fits,
) -> list[str]:
    """The first strongly connected component of "waits for" among `pending` (in Tarjan's
    order: one that waits for no other) that fits when committed together; failing that, it
    merged with what it waits for, up to every pending change (which fits: the re-plan as a
    whole keeps every limit)."""
    graph = _waits_for({oid: changes[oid] for oid in pending}, room)
    components = _strongly_connected(pending, {k: list(v) for k, v in graph.items()})
    for component in components:
        if fits(_sum(changes[oid] for oid in component)):
            return component
    merged: list[str] = []
    for component in components:
        merged += component
        if fits(_sum(changes[oid] for oid in merged)):
            return merged
    return merged


def _strongly_connected(nodes: Sequence[str], edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, each listed before any that waits for it.

    Written here rather than taken from networkx: the reallocation Lambda ships the solver, and
    its bundle is at Lambda's size limit already (OR-Tools, pandas and numpy: about 240 of
    250 MB); this is its only graph algorithm. Iterative, so long chains do not hit Python's
    recursion limit."""
    position = {oid: k for k, oid in enumerate(nodes)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            v, successors = work[-1]
            advanced = False
            for w in successors:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(edges.get(w, ()))))
                    advanced = True
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                found.append(sorted(component, key=position.__getitem__))
    return found
