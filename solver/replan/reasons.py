"""Why a re-plan moved an order: the constraint that forced it, or what moving it saved.

Forced moves come first, from the order's own current allocation against the network it is
re-planned on: a node that is inactive (or no longer serves the order's channel), a method the
node no longer offers the order, a fenced (node, SKU), or a resource the current allocations
together hold more of than there is. An order moved although it could have stayed either saved
more than its move penalty (`saving`) or released what other moved orders took (`made_room`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from solver.current import OrderCurrent
from solver.models import Order, OrderPlan
from solver.network import Network
from solver.pricing import order_methods
from solver.replan.commits import Resource

FORCED = ("node_inactive", "fenced", "method_not_allowed", "stock_short", "capacity_short")
CHOSEN = ("saving", "made_room")


@dataclass(frozen=True)
class MoveReason:
    """Why an order moved: `code` is one of `FORCED` or `CHOSEN`."""

    code: str
    message: str
    nodes: tuple[str, ...] = ()
    skus: tuple[str, ...] = ()
    saving: float | None = None
    """Cost of keeping (spec §4) less cost of the new plan (§4, move penalty excluded); None
    when keeping is not possible."""
    penalty: float = 0.0
    """The move penalty the order pays (§7)."""

    @property
    def forced(self) -> bool:
        return self.code in FORCED


def forced_reason(
    network: Network,
    order: Order,
    current: OrderCurrent,
    short: Mapping[Resource, int],
) -> MoveReason | None:
    """The constraint that stops `order` keeping its current allocation on `network` (a
    re-planning network), if one does; `short` is by how much the current allocations
    together exceed each resource they over-use."""
    methods = order_methods(network, order)
    serves = network.serves_channel(order.channel)
    fences = network.current.fences if network.current is not None else frozenset()
    sku_of = {line.line_id: line.sku for line in order.lines}
    found: dict[str, tuple[list[str], list[str]]] = {}

    def add(code: str, node: str, sku: str | None = None) -> None:
        nodes, skus = found.setdefault(code, ([], []))
        if node not in nodes:
            nodes.append(node)
        if sku is not None and sku not in skus:
            skus.append(sku)

    for s in current.shipments:
        unlocked = [lid for lid in s.units if s.unlocked(lid) > 0]
        if not unlocked:
            continue
        node = network.nodes[s.node]
        if not node.active:
            add("node_inactive", node.node_id)
        elif not serves[s.node] or not methods.allowed(s.key, s.node):
            add("method_not_allowed", node.node_id)
        for lid in unlocked:
            sku = sku_of[lid]
            if (s.node, network.sku_index[sku]) in fences:
                add("fenced", node.node_id, sku)
            if short.get(("stock", node.node_id, sku), 0) > 0:
                add("stock_short", node.node_id, sku)
        for kind in ("orders", "units", "same_day"):
            if short.get((kind, node.node_id, ""), 0) > 0:
                add("capacity_short", node.node_id)
    for code in FORCED:
        if code in found:
            nodes, skus = found[code]
            return MoveReason(code, _forced_message(code, nodes, skus), tuple(nodes), tuple(skus))
    return None


def _forced_message(code: str, nodes: Sequence[str], skus: Sequence[str]) -> str:
    at = ", ".join(nodes)
    what = ", ".join(skus)
    return {
        "node_inactive": f"node {at} is inactive",
        "method_not_allowed": f"node {at} no longer offers its method to this order",
        "fenced": f"{what} is fenced at {at}",
        "stock_short": f"the current allocations hold more {what} at {at} than there is",
        "capacity_short": f"the current allocations exceed the daily capacity of {at}",
    }[code]


def chosen_reason(
    before: OrderPlan | None,
    after: OrderPlan,
    released: Mapping[Resource, int],
    taken_by_others: Mapping[Resource, Sequence[str]],
) -> MoveReason:
    """Why an order that could have kept its allocation moved: what it saved, or for whom it
    made room (`released`: what its move gave up; `taken_by_others`: which moved orders took
    more of each resource)."""
    assert after.breakdown is not None
    penalty = after.breakdown.move or 0.0
    kept = before.breakdown.total if before is not None and before.breakdown else None
    saving = None if kept is None else kept - (after.breakdown.total - penalty)
    if saving is not None and saving > penalty + 1e-9:
        return MoveReason(
            "saving",
            f"moving saves {saving:.2f}, more than its move penalty {penalty:.2f}",
            saving=saving,
            penalty=penalty,
        )
    beneficiaries: list[str] = []
    nodes: list[str] = []
    skus: list[str] = []
    for r, amount in released.items():
        if amount <= 0 or not taken_by_others.get(r):
            continue
        _, node, sku = r
        if node not in nodes:
            nodes.append(node)
        if sku and sku not in skus:
            skus.append(sku)
        beneficiaries += [o for o in taken_by_others[r] if o not in beneficiaries]
    for_whom = f" for {', '.join(beneficiaries[:5])}" if beneficiaries else ""
    if len(beneficiaries) > 5:
        for_whom += f" and {len(beneficiaries) - 5} more"
    cost = "" if saving is None else f" (its own cost changes by {-saving:+.2f})"
    return MoveReason(
        "made_room",
        f"moved to make room at {', '.join(nodes) or 'its nodes'}{for_whom}{cost}",
        tuple(nodes),
        tuple(skus),
        saving,
        penalty,
    )
