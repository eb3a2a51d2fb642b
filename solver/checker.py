"""Check a plan against its dataset (spec §3–§6): every rule it breaks, every cost recomputed.

The checker trusts only the plan's decisions (which node ships which units of which line by
which method). Every cost, weight and eta is priced again through `pricing.py` and compared to
the cent; stock and capacity are summed over the whole plan in a `Ledger`.

`check_plan` returns data, a `CheckResult`: each broken rule a `Violation`, and the recomputed
costs. Turning it into text is the caller's business (`omniroute check` prints it).

On a network that re-plans (spec §7, `Network.with_current`), the plan is also checked against
the current allocation: locked units stay at their node by their method (a shipment of locked
units only may leave an inactive node and is not split-guarded), pickup orders keep their
store, nothing beyond the locks is taken from a fence, and the moved units and move cost are
recomputed through `pricing.py`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from solver.current import HeldShipment
from solver.ledger import Ledger
from solver.models import Order, OrderPlan, Plan, PlanLine, Shipment
from solver.network import Dataset, Network
from solver.pricing import (
    GROUND,
    METHOD_OF_KEY,
    PICKUP,
    SAME_DAY,
    SERVICE_OF_KEY,
    TRANSFER,
    ChosenShipment,
    OrderMethods,
    haversine_km,
    method_key,
    move_cost,
    moved_units,
    node_serves_order,
    order_methods,
    price_order,
    price_shipment,
)

CENT = 0.005
"""Largest difference between a stated and a recomputed amount that still agrees to the cent."""
_FLOAT_NOISE = 1e-9

RULES: dict[str, tuple[str, str]] = {
    # code: (spec section, what it means)
    "stock": ("§5.1", "units taken from a node for a SKU exceed its available stock"),
    "orders_capacity": ("§5.2", "shipments from a node exceed max_orders_per_day"),
    "units_capacity": ("§5.2", "units from a node exceed max_units_per_day"),
    "same_day_capacity": ("§5.2", "same-day shipments from a node exceed same_day_capacity"),
    "max_shipments": ("§5.3", "an order has more shipments than its max_shipments"),
    "split_guard": ("§5.3", "a shipment of a split order carries less than min_shipment_value"),
    "channel": ("§5.3", "a node serves an order of a channel it does not sell on"),
    "kit_split": ("§5.3", "a kit is not shipped whole, together, from one node"),
    "inactive_node": ("§5.4", "an inactive node ships"),
    "method_not_allowed": ("§5.4", "a shipment's method is not allowed for that node and order"),
    "no_rate": ("§3", "no carrier rate for the shipment's zone and billable weight"),
    "overshipped_line": ("§5.4", "a line ships more units than its qty"),
    "duplicate_node_shipment": ("§3", "an order has two shipments from one node"),
    "unknown_method": ("§6", "a shipment's method/service pair names no method of §3"),
    "unknown_node": ("§6", "a shipment leaves a node the dataset does not have"),
    "unknown_line": ("§6", "a plan line names a line the order does not have"),
    "wrong_sku": ("§6", "a plan line's sku is not the order line's sku"),
    "duplicate_line": ("§6", "a line is listed twice in one shipment or in unfilled"),
    "empty_shipment": ("§3", "a shipment carries no units"),
    "unfilled_mismatch": ("§6", "shipped + unfilled units of a line differ from its qty"),
    "wrong_eta": ("§3", "a shipment's eta_days differs from the recomputed eta"),
    "wrong_billable_kg": ("§3", "a shipment's billable_kg differs from the recomputed weight"),
    "wrong_cost": ("§4", "a stated cost differs from the recomputed one by more than a cent"),
    "wrong_total": ("§6", "total_cost differs from the recomputed total by more than a cent"),
    "missing_order": ("§6", "a dataset order is not in the plan"),
    "unknown_order": ("§6", "the plan has an order the dataset does not have"),
    "duplicate_order": ("§6", "an order appears more than once in the plan"),
    "bound": ("§6", "the plan's lower bound exceeds its total_cost"),
    "locked_moved": ("§7", "a locked unit is not at its node by its method"),
    "wrong_locked": ("§7", "a line's locked units differ from the current allocation's"),
    "pickup_node_changed": ("§7", "a pickup order is handed over at another store"),
    "fenced": ("§7", "units beyond the locked ones are taken from a fenced (node, SKU)"),
    "wrong_moved_units": ("§7", "an order's moved_units differs from the recomputed count"),
    "wrong_move_cost": ("§7", "move_cost differs from the recomputed move penalties"),
    "no_current": ("§7", "a re-plan's move cost cannot be checked without its current allocation"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: its code (see `RULES`), the order (None if network-wide), and what
    exactly is wrong (`message`, naming the order, shipment, node, line and the numbers)."""

    rule: str
    order_id: str | None
    message: str

    @property
    def section(self) -> str:
        """The spec section of the rule, e.g. `§5.1`."""
        return RULES[self.rule][0]

    @property
    def meaning(self) -> str:
        """What the rule forbids, in words."""
        return RULES[self.rule][1]

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message} ({self.section})"


@dataclass(frozen=True)
class CheckResult:
    """What `check_plan` found: every violation, in the order found, and the recomputed costs."""

    violations: tuple[Violation, ...]
    recomputed_total: float
    """Σ recomputed order costs (spec §4) over the plan's known orders; nan if one can't be."""
    recomputed_orders: Mapping[str, float] = field(default_factory=dict)
    """Recomputed cost per order id (nan where a shipment can't be priced)."""

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}

    def of_rule(self, rule: str) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.rule == rule)


class PlanMismatch(ValueError):
    """A plan names an order, node, line or method the dataset does not have."""


def chosen_shipment(network: Network, order: Order, shipment: Shipment) -> ChosenShipment:
    """The decision a plan shipment encodes, as the strategies and `price_order` take it.

    Raises `PlanMismatch` if the node, the method or a line is unknown (`check_plan` reports
    those as violations instead).
    """
    node = network.node_index.get(shipment.node_id)
    if node is None:
        raise PlanMismatch(f"order {order.order_id}: unknown node {shipment.node_id!r}")
    key = method_key(shipment.method, shipment.service)
    if key is None:
        raise PlanMismatch(
            f"order {order.order_id}: no method {shipment.method!r} with "
            f"service {shipment.service!r}"
        )
    line_ids = {line.line_id for line in order.lines}
    units: dict[str, int] = {}
    for pl in shipment.lines:
        if pl.line_id not in line_ids:
            raise PlanMismatch(f"order {order.order_id}: unknown line {pl.line_id!r}")
        units[pl.line_id] = units.get(pl.line_id, 0) + pl.qty
    return ChosenShipment(node, key, units)


def check_plan(dataset: Dataset, plan: Plan) -> CheckResult:
    """Every rule of spec §3–§6 that `plan` breaks, with the costs recomputed from `dataset`."""
    network = dataset.network
    orders_by_id = {o.order_id: o for o in dataset.orders}
    found = _Findings()
    usage = _Usage(Ledger.fresh(network))
    recomputed: dict[str, float] = {}
    moves: list[float] = []
    total = 0.0
    times_planned: Counter[str] = Counter()
    for order_plan in plan.orders:
        oid = order_plan.order_id
        order = orders_by_id.get(oid)
        if order is None:
            found.add("unknown_order", oid, f"order {oid} is in the plan but not in the dataset")
            continue
        times_planned[oid] += 1
        if times_planned[oid] == 2:
            found.add("duplicate_order", oid, f"order {oid} is planned more than once")
        cost = _check_order(network, order, order_plan, usage, found, moves)
        recomputed[oid] = recomputed.get(oid, 0.0) + cost
        total += cost
    for order in dataset.orders:
        if order.order_id not in times_planned:
            found.add("missing_order", order.order_id, f"order {order.order_id} is not planned")
    _check_resources(network, usage, found)
    _check_move_cost(network, plan, moves, found)
    unchecked = plan.move_cost or 0.0 if network.current is None else 0.0
    if math.isfinite(total) and _differs(plan.total_cost - unchecked, total):
        found.add(
            "wrong_total",
            None,
            f"total_cost {plan.total_cost:.2f} but the orders recompute to {total:.2f} "
            f"(off by {plan.total_cost - total:+.2f})",
        )
    if plan.bound is not None and plan.bound > plan.total_cost + CENT + _FLOAT_NOISE:
        found.add(
            "bound",
            None,
            f"bound {plan.bound:.2f} is above total_cost {plan.total_cost:.2f}: "
            "a lower bound cannot exceed a plan's cost",
        )
    return CheckResult(tuple(found.violations), total, recomputed)


# ---------------------------------------------------------------------------------------------


class _Findings:
    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def add(self, rule: str, order_id: str | None, text: str) -> None:
        self.violations.append(Violation(rule, order_id, text))


@dataclass
class _Usage:
    """What the whole plan takes (spec §5.1, §5.2), and which orders take it."""

    ledger: Ledger
    stock_takers: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    node_takers: dict[int, list[str]] = field(default_factory=dict)
    same_day_takers: dict[int, list[str]] = field(default_factory=dict)

    def take(self, network: Network, order: Order, chosen: ChosenShipment) -> None:
        sku_by_line = {line.line_id: line.sku for line in order.lines}
        self.ledger.take(network, sku_by_line, chosen)
        for line_id, qty in chosen.units.items():
            if qty:
                sku = network.sku_index[sku_by_line[line_id]]
                self.stock_takers.setdefault((chosen.node, sku), []).append(order.order_id)
        self.node_takers.setdefault(chosen.node, []).append(order.order_id)
        if chosen.key == SAME_DAY:
            self.same_day_takers.setdefault(chosen.node, []).append(order.order_id)


def _differs(stated: float, recomputed: float) -> bool:
    return abs(stated - recomputed) > CENT + _FLOAT_NOISE


def _check_order(
    network: Network,
    order: Order,
    order_plan: OrderPlan,
    usage: _Usage,
    found: _Findings,
    moves: list[float] | None = None,
) -> float:
    """Check one order's shipments and unfilled lines; return its recomputed cost (spec §4).

    The cost is nan when a shipment cannot be priced (unknown node, method or line; a method
    not allowed); the cause is reported and the order's stated costs are not compared.
    """
    oid = order.order_id
    methods = order_methods(network, order)
    serves = node_serves_order(network, order)
    priceable = True
    chosen_all: list[ChosenShipment] = []
    contents: list[dict[str, int]] = []
    seen_nodes: set[str] = set()
    for i, shipment in enumerate(order_plan.shipments):
        where = f"order {oid} shipment {i} from {shipment.node_id}"
        units = _plan_lines(order, shipment.lines, where, found)
        contents.append(units)
        if not any(units.values()):
            found.add("empty_shipment", oid, f"{where} carries no units")
        if len(units) < len({pl.line_id for pl in shipment.lines}):
            priceable = False  # an unknown line: its weight and value are unknown
        if shipment.node_id in seen_nodes:
            found.add(
                "duplicate_node_shipment",
                oid,
                f"order {oid} has more than one shipment from node {shipment.node_id}",
            )
        seen_nodes.add(shipment.node_id)
        node = network.node_index.get(shipment.node_id)
        key = method_key(shipment.method, shipment.service)
        if node is None:
            found.add(
                "unknown_node", oid, f"{where}: node {shipment.node_id!r} is not in the dataset"
            )
            priceable = False
        if key is None:
            found.add(
                "unknown_method",
                oid,
                f"{where}: method {shipment.method!r} with service {shipment.service!r} names "
                f"no method of §3",
            )
            priceable = False
        if node is None:
            continue
        # Even a shipment that can't be priced takes stock and capacity.
        fallback = SAME_DAY if shipment.method == "same_day" else GROUND
        chosen = ChosenShipment(node, fallback if key is None else key, units)
        usage.take(network, order, chosen)
        if key is None:
            continue
        chosen_all.append(chosen)
        if not _check_method(network, order, methods, serves, chosen, where, found):
            priceable = False
        _check_shipment_numbers(network, order, methods, chosen, shipment, where, found)
    _check_order_rules(network, order, order_plan, contents, found)
    _check_against_current(network, order, order_plan, chosen_all, found)
    if not priceable:
        if moves is not None and network.current is not None:
            # A method not allowed leaves the order's cost unknown, not its move penalty (§7
            # counts units by node): the plan's move_cost is still checked. Unknown shipments
            # leave both unknown.
            known = len(chosen_all) == len(order_plan.shipments) and all(
                len(units) == len({pl.line_id for pl in s.lines})
                for units, s in zip(contents, order_plan.shipments, strict=True)
            )
            held = network.current.of(oid)
            moves.append(
                move_cost(network.settings, moved_units(held, chosen_all)) if known else math.nan
            )
        return math.nan
    priced = price_order(network, order, chosen_all, methods)
    assert priced.breakdown is not None
    if moves is not None:
        moves.append(priced.breakdown.move or 0.0)
    if network.current is not None and (order_plan.moved_units or 0) != priced.moved_units:
        found.add(
            "wrong_moved_units",
            oid,
            f"order {oid} moved_units {order_plan.moved_units or 0}, recomputed "
            f"{priced.moved_units}",
        )
    cost = priced.breakdown.total
    if math.isnan(cost):
        return math.nan
    # Without the current allocation a re-plan's move penalties cannot be checked (`no_current`
    # says so once): its costs are compared without them, to the cent of the exact cost.
    if _differs(order_plan.cost - _unchecked_move(network, order_plan), cost):
        found.add(
            "wrong_cost",
            oid,
            f"order {oid} cost {order_plan.cost:.2f}, recomputed {priced.cost:.2f}",
        )
    if order_plan.breakdown is not None:
        stated, again = order_plan.breakdown.model_dump(), priced.breakdown.model_dump()
        for part, value in stated.items():
            if part == "move" and (network.current is None or (value is None and not again[part])):
                continue
            if _differs(value or 0.0, again[part] or 0.0):
                found.add(
                    "wrong_cost",
                    oid,
                    f"order {oid} breakdown {part} {value or 0.0:.2f}, recomputed "
                    f"{again[part] or 0.0:.2f}",
                )
    return cost


def _unchecked_move(network: Network, order_plan: OrderPlan) -> float:
    """The move penalty a re-plan's order states, when there is no current to check it by."""
    if network.current is not None or order_plan.breakdown is None:
        return 0.0
    return order_plan.breakdown.move or 0.0


def _plan_lines(
    order: Order, plan_lines: Sequence[PlanLine], where: str, found: _Findings
) -> dict[str, int]:
    """Units per known line id; unknown lines, wrong skus and repeats are reported."""
    lines = {line.line_id: line for line in order.lines}
    units: dict[str, int] = {}
    for pl in plan_lines:
        line = lines.get(pl.line_id)
        if line is None:
            found.add(
                "unknown_line",
                order.order_id,
                f"{where}: line {pl.line_id!r} is not a line of order {order.order_id} "
                f"(its lines: {', '.join(lines)})",
            )
            continue
        if pl.sku != line.sku:
            found.add(
                "wrong_sku",
                order.order_id,
                f"{where}: line {pl.line_id} says sku {pl.sku} but the order line is {line.sku}",
            )
        if pl.line_id in units:
            found.add(
                "duplicate_line", order.order_id, f"{where}: line {pl.line_id} is listed twice"
            )
        units[pl.line_id] = units.get(pl.line_id, 0) + pl.qty
    return units


def _check_method(
    network: Network,
    order: Order,
    methods: OrderMethods,
    serves: np.ndarray,
    chosen: ChosenShipment,
    where: str,
    found: _Findings,
) -> bool:
    """§5.3 channel, §5.4 active node and allowed method; True when the shipment may go.

    §7: a shipment of locked units only, by their method, goes from its node whatever."""
    oid = order.order_id
    node = network.nodes[chosen.node]
    held = _held(network, order, chosen.node)
    if held is not None and held.key == chosen.key and _only_locked(chosen.units, held):
        return methods.allowed(chosen.key, chosen.node)
    if not node.active:
        found.add("inactive_node", oid, f"{where}: node {node.node_id} is inactive")
        return False
    if not serves[chosen.node]:
        found.add(
            "channel",
            oid,
            f"{where}: node {node.node_id} sells on {', '.join(node.channels)}, "
            f"not on the order's channel {order.channel}",
        )
        return False
    if not methods.allowed(chosen.key, chosen.node):
        found.add(
            "method_not_allowed",
            oid,
            f"{where}: {_method_name(chosen.key)} is not allowed "
            f"({_why_not_allowed(network, order, methods, chosen)})",
        )
        return False
    return True


def _method_name(key: int) -> str:
    return f"{METHOD_OF_KEY[key]} ({SERVICE_OF_KEY[key]})" if key < SAME_DAY else METHOD_OF_KEY[key]


def _why_not_allowed(
    network: Network, order: Order, methods: OrderMethods, chosen: ChosenShipment
) -> str:
    """Which condition of the §3 table fails; `order_methods` has already decided that one does."""
    node = network.nodes[chosen.node]
    if (chosen.key in (PICKUP, TRANSFER)) != (order.service == "pickup"):
        if order.service == "pickup":
            return "a pickup order ships only by pickup or transfer"
        return f"the order's service is {order.service}, not pickup"
    if chosen.key == PICKUP:
        if node.node_id != order.pickup_node:
            return f"the order's pickup node is {order.pickup_node}"
        return f"node {node.node_id} offers no pickup"
    if chosen.key == TRANSFER and node.node_id == order.pickup_node:
        return "the pickup node cannot transfer to itself"
    if chosen.key == TRANSFER and order.pickup_node in network.node_index:
        store_at = network.node_index[order.pickup_node]
        if not network.nodes[store_at].pickup:
            return f"the pickup store {order.pickup_node} offers no pickup to hand the order over"
        if not node_serves_order(network, order)[store_at]:
            return (
                f"the pickup store {order.pickup_node} cannot hand the order over "
                "(inactive or outside the order's channel)"
            )
    if chosen.key == SAME_DAY:
        if not node.same_day:
            return f"node {node.node_id} has no same-day courier"
        return (
            f"{_km(network, order, methods, chosen):.1f} km to the customer, "
            f"beyond the same-day radius of {node.same_day_radius_km:g} km"
        )
    if not node.ships:
        return f"node {node.node_id} does not ship parcels"
    return f"no zone or transit time for {_km(network, order, methods, chosen):.1f} km"


def _km(network: Network, order: Order, methods: OrderMethods, chosen: ChosenShipment) -> float:
    """The §3 distance of a shipment: to the pickup store for a transfer, else to the customer."""
    if chosen.key == TRANSFER and order.pickup_node is not None:
        store = network.nodes[network.node_index[order.pickup_node]]
        node = network.nodes[chosen.node]
        return float(haversine_km(node.lat, node.lon, store.lat, store.lon))
    return float(methods.km_to_customer[chosen.node])


def _check_shipment_numbers(
    network: Network,
    order: Order,
    methods: OrderMethods,
    chosen: ChosenShipment,
    shipment: Shipment,
    where: str,
    found: _Findings,
) -> None:
    """§3: billable weight, eta and costs of one shipment, recomputed through `price_shipment`."""
    oid = order.order_id
    priced = price_shipment(network, order, methods, chosen)
    allowed = methods.allowed(chosen.key, chosen.node)
    if allowed and math.isnan(priced.carrier_cost):
        found.add(
            "no_rate",
            oid,
            f"{where}: no {priced.service} rate for {priced.billable_kg} kg billable "
            f"at {_km(network, order, methods, chosen):.1f} km",
        )
    if shipment.billable_kg != priced.billable_kg:
        found.add(
            "wrong_billable_kg",
            oid,
            f"{where}: billable_kg {shipment.billable_kg}, recomputed {priced.billable_kg}",
        )
    if allowed and shipment.eta_days != priced.eta_days:
        found.add(
            "wrong_eta", oid, f"{where}: eta_days {shipment.eta_days}, recomputed {priced.eta_days}"
        )
    for name in ("carrier_cost", "handling_cost", "dropship_fee"):
        stated, again = getattr(shipment, name), getattr(priced, name)
        if math.isfinite(again) and _differs(stated, again):
            found.add("wrong_cost", oid, f"{where}: {name} {stated:.2f}, recomputed {again:.2f}")


def _check_order_rules(
    network: Network,
    order: Order,
    order_plan: OrderPlan,
    contents: Sequence[Mapping[str, int]],
    found: _Findings,
) -> None:
    """§5.3 shipment cap, split guard and kits; §5.4 line quantities; §6 unfilled lines."""
    oid = order.order_id
    settings = network.settings
    n_shipments = len(order_plan.shipments)
    if order.max_shipments is not None and n_shipments > order.max_shipments:
        found.add(
            "max_shipments",
            oid,
            f"order {oid} has {n_shipments} shipments, max_shipments is {order.max_shipments}",
        )
    if n_shipments > 1:
        for i, units in enumerate(contents):
            value = _unit_value(network, order, units)
            node = network.node_index.get(order_plan.shipments[i].node_id)
            held = None if node is None else _held(network, order, node)
            if held is not None and _only_locked(units, held):
                continue  # §7: a shipment of locked units only is not the re-plan's decision
            if value < settings.min_shipment_value - _FLOAT_NOISE:
                found.add(
                    "split_guard",
                    oid,
                    f"order {oid} shipment {i} from {order_plan.shipments[i].node_id} carries "
                    f"{value:.2f} of unit value, under min_shipment_value "
                    f"{settings.min_shipment_value:.2f} for a split order",
                )
    shipped: Counter[str] = Counter()
    for units in contents:
        shipped.update(units)
    unfilled = _plan_lines(order, order_plan.unfilled, f"order {oid} unfilled", found)
    for line in order.lines:
        sent, left = shipped[line.line_id], unfilled.get(line.line_id, 0)
        if sent > line.qty:
            found.add(
                "overshipped_line",
                oid,
                f"order {oid} line {line.line_id} ({line.sku}): ships {sent} units, qty {line.qty}",
            )
        elif sent + left != line.qty:
            found.add(
                "unfilled_mismatch",
                oid,
                f"order {oid} line {line.line_id} ({line.sku}): qty {line.qty} but shipped {sent} "
                f"+ unfilled {left} = {sent + left}",
            )
    _check_kits(order, order_plan, contents, found)


def _unit_value(network: Network, order: Order, units: Mapping[str, int]) -> float:
    sku_of = {line.line_id: line.sku for line in order.lines}
    return sum(
        float(network.sku_value[network.sku_index[sku_of[line_id]]]) * qty
        for line_id, qty in units.items()
    )


def _check_kits(
    order: Order,
    order_plan: OrderPlan,
    contents: Sequence[Mapping[str, int]],
    found: _Findings,
) -> None:
    """§5.3: a kit's lines ship whole, in one shipment, or all stay unfilled."""
    oid = order.order_id
    kits: dict[str, list[str]] = {}
    for line in order.lines:
        if line.group:
            kits.setdefault(line.group, []).append(line.line_id)
    qty = {line.line_id: line.qty for line in order.lines}
    for group, members in kits.items():
        carrying = [i for i, units in enumerate(contents) if any(units.get(m) for m in members)]
        if not carrying:
            continue
        named = f"order {oid} kit {group!r} (lines {', '.join(members)})"
        if len(carrying) > 1:
            nodes = ", ".join(order_plan.shipments[i].node_id for i in carrying)
            found.add("kit_split", oid, f"{named} is split over shipments from {nodes}")
            continue
        units = contents[carrying[0]]
        partial = [
            f"line {m} {units.get(m, 0)} of {qty[m]}" for m in members if units.get(m, 0) != qty[m]
        ]
        if partial:
            node = order_plan.shipments[carrying[0]].node_id
            found.add("kit_split", oid, f"{named} ships partly from {node}: {'; '.join(partial)}")


def _held(network: Network, order: Order, node: int) -> HeldShipment | None:
    """What the order held at `node` in the current allocation (§7), if re-planning."""
    current = network.current.of(order.order_id) if network.current is not None else None
    return None if current is None else current.by_node.get(node)


def _only_locked(units: Mapping[str, int], held: HeldShipment) -> bool:
    """Whether a shipment carries the locked units of `held` and nothing else."""
    return held.has_locks and all(q == held.locked.get(lid, 0) for lid, q in units.items())


def _check_against_current(
    network: Network,
    order: Order,
    order_plan: OrderPlan,
    chosen: Sequence[ChosenShipment],
    found: _Findings,
) -> None:
    """§7: locks kept at their node by their method, stated locks as in the current
    allocation, the pickup store unchanged, no new units from a fence."""
    if network.current is None:
        return
    oid = order.order_id
    current = network.current.of(oid)
    by_node = {c.node: c for c in chosen}
    method_name = {c.node: _method_name(c.key) for c in chosen}
    for held in current.locked_shipments if current is not None else ():
        node_id = network.nodes[held.node].node_id
        there = by_node.get(held.node)
        for lid, locked in held.locked.items():
            if not locked:
                continue
            carried = there.units.get(lid, 0) if there is not None else 0
            if there is None or there.key != held.key or carried < locked:
                found.add(
                    "locked_moved",
                    oid,
                    f"order {oid} line {lid}: {locked} locked unit(s) at {node_id} by "
                    f"{_method_name(held.key)}; the plan has "
                    + (
                        "no shipment there"
                        if there is None
                        else f"{carried} there by {method_name[held.node]}"
                    ),
                )
    for shipment in order_plan.shipments:
        node = network.node_index.get(shipment.node_id)
        held_there = None if node is None or current is None else current.by_node.get(node)
        for pl in shipment.lines:
            expected = min(held_there.locked.get(pl.line_id, 0), pl.qty) if held_there else 0
            if (pl.locked or 0) != expected:
                found.add(
                    "wrong_locked",
                    oid,
                    f"order {oid} shipment from {shipment.node_id} line {pl.line_id}: locked "
                    f"{pl.locked or 0}, the current allocation locks {expected} there",
                )
        if shipment.method == "pickup" and shipment.node_id != order.pickup_node:
            found.add(
                "pickup_node_changed",
                oid,
                f"order {oid} is handed over at {shipment.node_id}; its pickup_node is "
                f"{order.pickup_node} and never changes",
            )
    fences = network.current.fences
    if not fences:
        return
    sku_of = {line.line_id: network.sku_index[line.sku] for line in order.lines}
    for c in chosen:
        held_there = current.by_node.get(c.node) if current is not None else None
        taken: Counter[int] = Counter()
        locked_units: Counter[int] = Counter()
        for lid, q in c.units.items():
            taken[sku_of[lid]] += q
            locked_units[sku_of[lid]] += held_there.locked.get(lid, 0) if held_there else 0
        for sku, q in taken.items():
            if (c.node, sku) in fences and q > locked_units[sku]:
                found.add(
                    "fenced",
                    oid,
                    f"order {oid} takes {q - locked_units[sku]} unit(s) of "
                    f"{network.skus[sku].sku} from {network.nodes[c.node].node_id} beyond its "
                    f"{locked_units[sku]} locked; that (node, SKU) is fenced",
                )


def _check_move_cost(
    network: Network, plan: Plan, moves: Sequence[float], found: _Findings
) -> None:
    """§7: the plan's move_cost is the sum of its orders' recomputed move penalties."""
    if network.current is None:
        if plan.move_cost is not None:
            found.add(
                "no_current",
                None,
                f"the plan is a re-plan (move_cost {plan.move_cost:.2f}); its move cost and "
                "order costs can only be checked with its current allocation (--current)",
            )
        return
    recomputed = sum(moves)
    if math.isfinite(recomputed) and _differs(plan.move_cost or 0.0, recomputed):
        found.add(
            "wrong_move_cost",
            None,
            f"move_cost {plan.move_cost or 0.0:.2f} but the orders' move penalties recompute to "
            f"{recomputed:.2f}",
        )


def _check_resources(network: Network, usage: _Usage, found: _Findings) -> None:
    """§5.1 stock and §5.2 node capacity over the whole plan."""
    ledger = usage.ledger
    available = network.available_stock()
    for n, s in zip(*np.nonzero(ledger.stock < 0), strict=True):
        node, sku = network.nodes[n], network.skus[s]
        over, there = int(-ledger.stock[n, s]), int(available[n, s])
        found.add(
            "stock",
            None,
            f"node {node.node_id}, sku {sku.sku}: the plan takes {there + over} units, {there} "
            f"available (on hand {int(network.on_hand[n, s])} − safety "
            f"{int(network.safety_stock[n, s])}): over by {over}; "
            f"{_orders(usage.stock_takers.get((int(n), int(s)), []))}",
        )
    capacities = (
        (
            "orders_capacity",
            ledger.orders_left,
            "max_orders_per_day",
            "shipments",
            usage.node_takers,
        ),
        ("units_capacity", ledger.units_left, "max_units_per_day", "units", usage.node_takers),
        (
            "same_day_capacity",
            ledger.same_day_left,
            "same_day_capacity",
            "same-day shipments",
            usage.same_day_takers,
        ),
    )
    for rule, left, limit_name, what, takers in capacities:
        for n in np.nonzero(left < 0)[0]:
            node = network.nodes[n]
            limit = getattr(node, limit_name)
            over = int(-left[n])
            found.add(
                rule,
                None,
                f"node {node.node_id} ships {limit + over} {what}, {limit_name} {limit}: over by "
                f"{over}; {_orders(takers.get(int(n), []))}",
            )


def _orders(order_ids: Sequence[str]) -> str:
    unique = list(dict.fromkeys(order_ids))
    shown = ", ".join(unique[:8]) + (f" and {len(unique) - 8} more" if len(unique) > 8 else "")
    return f"order{'s' if len(unique) != 1 else ''} {shown}"
