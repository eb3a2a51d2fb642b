"""Key figures of a plan (cost, service, splits, fill, distance, node load), recomputed.

Costs, etas and weights come from pricing the plan's decisions again through `pricing.py`,
never from the numbers in the file. The plan must name only orders, nodes, lines and methods
of the dataset (`check_plan` says so first); otherwise `plan_kpis` raises `PlanMismatch`.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict

from solver.checker import PlanMismatch, chosen_shipment
from solver.models import NODE_KINDS, CostBreakdown, Method, Order, OrderPlan, Plan
from solver.network import Dataset, Network
from solver.pricing import ChosenShipment, haversine_km, order_methods, price_order

METHODS: tuple[str, ...] = get_args(Method)
_METHOD_LABELS = {
    "parcel": "parcel",
    "same_day": "same-day courier",
    "pickup": "store pickup",
    "transfer": "transfer to store",
}
_KIND_LABELS = {
    "warehouse": "warehouses",
    "store": "stores",
    "vendor": "vendors (dropship)",
    "dark_store": "dark stores",
}
_FULL = 1.0 - 1e-9
"""Utilisation at or above this counts as 100 %."""


class NodeLoad(BaseModel):
    """What the plan asks of one node against its daily capacity (spec §5.2)."""

    model_config = ConfigDict(frozen=True)

    node_id: str
    kind: str
    shipments: int
    units: int
    max_orders_per_day: int | None
    max_units_per_day: int | None
    orders_utilisation: float | None
    """shipments / max_orders_per_day; None when unlimited (or a limit of 0)."""
    units_utilisation: float | None
    utilisation: float | None
    """The tighter of the two; None when the node has no positive limit."""


class Kpis(BaseModel):
    """A plan's key figures. Shares are fractions in [0, 1]; money in the dataset's currency."""

    model_config = ConfigDict(frozen=True)

    dataset: str
    strategy: str
    orders: int
    total_cost: float
    cost_per_order: float
    carrier_cost: float
    handling_cost: float
    dropship_cost: float
    split_cost: float
    late_cost: float
    unfilled_cost: float
    shipments: int
    shipments_per_order: float
    split_order_share: float
    """Orders with more than one shipment / orders."""
    on_time_shipment_share: float
    """Shipments with eta ≤ the order's promise / shipments."""
    on_time_order_share: float
    """Orders whose every shipment is on time / orders with at least one shipment."""
    units_ordered: int
    units_shipped: int
    unfilled_units: int
    unfilled_share: float
    """Unfilled units / ordered units."""
    units_by_method: dict[str, float]
    """Share of shipped units by method (parcel, same_day, pickup, transfer)."""
    units_by_node_kind: dict[str, float]
    """Share of shipped units by the kind of the node that ships them."""
    km_per_unit: float
    """Mean distance a shipped unit travels: to the customer, or to the pickup store."""
    limited_nodes: int
    """Active nodes with a positive orders or units limit."""
    utilisation_mean: float | None
    utilisation_max: float | None
    nodes_at_capacity: int
    node_loads: tuple[NodeLoad, ...]
    bound: float | None
    """A proven lower bound on the cost of any plan of these orders (`optimal`), when known:
    the best plan costs between `bound` and `total_cost`."""
    gap: float | None
    """(total − bound) / total when the bound is known (0 when the total is 0)."""
    solve_seconds: float | None
    move_cost: float | None = None
    """Spec §7, in a re-plan: the move penalties (included in `total_cost`); None otherwise."""
    orders_moved: int | None = None
    """Orders with a moved unit (a re-plan)."""
    units_moved: int | None = None
    locked_units: int | None = None
    """Locked units the re-plan keeps where they are."""
    backorders_filled: int | None = None
    """Units the current allocation left unfilled that the re-plan ships (never a move)."""
    work: float | None = None
    """Work units the search spent (the same on every run with the same budget)."""
    time_limit_hit: bool = False
    """The time limit, not the work budget, ended the search: another run may differ."""

    def as_dict(self) -> dict[str, Any]:
        """The KPIs as plain JSON-ready data (`model_dump` in JSON mode)."""
        return self.model_dump(mode="json")

    def as_rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a table, with units."""
        rows = [
            ("Dataset", self.dataset),
            ("Strategy", self.strategy),
            ("Orders", f"{self.orders}"),
            ("Total cost", _money(self.total_cost)),
            ("Cost per order", _money(self.cost_per_order)),
            ("  carrier", _money(self.carrier_cost)),
            ("  handling", _money(self.handling_cost)),
            ("  dropship fees", _money(self.dropship_cost)),
            ("  split penalty", _money(self.split_cost)),
            ("  late penalty", _money(self.late_cost)),
            ("  unfilled penalty", _money(self.unfilled_cost)),
            ("Shipments", f"{self.shipments}"),
            ("Shipments per order", f"{self.shipments_per_order:.2f}"),
            ("Orders split (>1 shipment)", _share(self.split_order_share)),
            ("Shipments on time", _share(self.on_time_shipment_share)),
            ("Orders wholly on time", _share(self.on_time_order_share)),
            ("Units ordered", f"{self.units_ordered}"),
            ("Units shipped", f"{self.units_shipped}"),
            ("Units unfilled", f"{self.unfilled_units} ({_share(self.unfilled_share)})"),
        ]
        rows += [
            (f"Units by {_METHOD_LABELS.get(m, m)}", _share(v))
            for m, v in self.units_by_method.items()
        ]
        rows += [
            (f"Units from {_KIND_LABELS.get(k, k)}", _share(v))
            for k, v in self.units_by_node_kind.items()
        ]
        rows += [
            ("Distance per unit", f"{self.km_per_unit:.1f} km"),
            ("Capacity-limited nodes", f"{self.limited_nodes}"),
            ("Node utilisation, mean", _share(self.utilisation_mean)),
            ("Node utilisation, max", _share(self.utilisation_max)),
            ("Nodes at 100 %", f"{self.nodes_at_capacity}"),
            ("Lower bound", "—" if self.bound is None else _money(self.bound)),
            ("Optimality gap", _share(self.gap)),
            ("Solve time", "—" if self.solve_seconds is None else f"{self.solve_seconds:.2f} s"),
        ]
        if self.move_cost is not None:
            rows[11:11] = [
                ("  move penalty", _money(self.move_cost)),
                ("Orders moved", f"{self.orders_moved}"),
                ("Units moved", f"{self.units_moved}"),
                ("Locked units (kept in place)", f"{self.locked_units}"),
                ("Backordered units filled", f"{self.backorders_filled}"),
            ]
        if self.work is not None:
            search = f"{self.work:,.1f} work units"
            search += ", stopped by the time limit" if self.time_limit_hit else ", repeatable"
            rows.append(("Search", search))
        return rows


def plan_kpis(dataset: Dataset, plan: Plan) -> Kpis:
    """The key figures of `plan`, every cost and eta recomputed from `dataset`."""
    network = dataset.network
    orders_by_id = {o.order_id: o for o in dataset.orders}
    costs: dict[str, float] = dict.fromkeys(CostBreakdown.model_fields, 0.0)
    moves = _Moves()
    units_by_method: Counter[str] = Counter()
    units_by_kind: Counter[str] = Counter()
    node_shipments: Counter[int] = Counter()
    node_units: Counter[int] = Counter()
    n_shipments = split_orders = on_time_shipments = on_time_orders = served_orders = 0
    units_ordered = units_shipped = unfilled_units = 0
    unit_km = 0.0
    for order_plan in plan.orders:
        order = orders_by_id.get(order_plan.order_id)
        if order is None:
            raise PlanMismatch(f"order {order_plan.order_id} is not in dataset {dataset.name}")
        methods = order_methods(network, order)
        chosen = [chosen_shipment(network, order, s) for s in order_plan.shipments]
        priced = price_order(network, order, chosen, methods)
        assert priced.breakdown is not None
        for part, value in priced.breakdown.model_dump().items():
            costs[part] += value or 0.0
        moves.add(network, order, priced, chosen)
        units_ordered += sum(line.qty for line in order.lines)
        unfilled_units += sum(u.qty for u in priced.unfilled)
        n_shipments += len(priced.shipments)
        split_orders += len(priced.shipments) > 1
        late = [s.eta_days > methods.promise for s in priced.shipments]
        on_time_shipments += late.count(False)
        if priced.shipments:
            served_orders += 1
            on_time_orders += not any(late)
        store = network.node_index.get(order.pickup_node or "")
        for shipment in priced.shipments:
            n = network.node_index[shipment.node_id]
            units = sum(pl.qty for pl in shipment.lines)
            units_shipped += units
            units_by_method[shipment.method] += units
            units_by_kind[network.nodes[n].kind] += units
            node_shipments[n] += 1
            node_units[n] += units
            if shipment.method == "transfer" and store is not None:
                to_store = haversine_km(network.lat[n], network.lon[n], *_lat_lon(network, store))
                km = float(to_store)
            elif shipment.method == "pickup":
                km = 0.0
            else:
                km = float(methods.km_to_customer[n])
            unit_km += km * units
    loads = tuple(
        _node_load(dataset, n, node_shipments[n], node_units[n]) for n in range(len(network.nodes))
    )
    limited = [load.utilisation for load in loads if load.utilisation is not None]
    total = sum(costs.values())
    n_orders = len(plan.orders)
    gap = None
    if plan.bound is not None:
        gap = (total - plan.bound) / total if total > 0 else 0.0
    return Kpis(
        dataset=plan.dataset,
        strategy=plan.strategy,
        orders=n_orders,
        total_cost=total,
        cost_per_order=_ratio(total, n_orders),
        carrier_cost=costs["carrier"],
        handling_cost=costs["handling"],
        dropship_cost=costs["dropship"],
        split_cost=costs["split"],
        late_cost=costs["late"],
        unfilled_cost=costs["unfilled"],
        shipments=n_shipments,
        shipments_per_order=_ratio(n_shipments, n_orders),
        split_order_share=_ratio(split_orders, n_orders),
        on_time_shipment_share=_ratio(on_time_shipments, n_shipments),
        on_time_order_share=_ratio(on_time_orders, served_orders),
        units_ordered=units_ordered,
        units_shipped=units_shipped,
        unfilled_units=unfilled_units,
        unfilled_share=_ratio(unfilled_units, units_ordered),
        units_by_method={m: _ratio(units_by_method[m], units_shipped) for m in METHODS},
        units_by_node_kind={k: _ratio(units_by_kind[k], units_shipped) for k in NODE_KINDS},
        km_per_unit=_ratio(unit_km, units_shipped),
        limited_nodes=len(limited),
        utilisation_mean=sum(limited) / len(limited) if limited else None,
        utilisation_max=max(limited) if limited else None,
        nodes_at_capacity=sum(u >= _FULL for u in limited),
        node_loads=loads,
        bound=plan.bound,
        gap=gap,
        solve_seconds=plan.solve_seconds,
        work=plan.work,
        time_limit_hit=plan.time_limit_hit,
        **moves.figures(network, costs["move"]),
    )


class _Moves:
    """Spec §7 figures of a re-plan: orders and units moved, locked units, backorders filled."""

    def __init__(self) -> None:
        self.orders = self.units = self.locked = self.filled = 0

    def add(
        self, network: Network, order: Order, priced: OrderPlan, chosen: list[ChosenShipment]
    ) -> None:
        current = network.current.of(order.order_id) if network.current is not None else None
        moved = priced.moved_units or 0
        self.orders += moved > 0
        self.units += moved
        self.locked += sum(pl.locked or 0 for s in priced.shipments for pl in s.lines)
        shipped: Counter[str] = Counter()
        for c in chosen:
            shipped.update(c.units)
        for line in order.lines:
            held = sum(s.units.get(line.line_id, 0) for s in current.shipments) if current else 0
            self.filled += max(0, shipped[line.line_id] - held)

    def figures(self, network: Network, move_cost: float) -> dict[str, Any]:
        if network.current is None:
            return {}
        return {
            "move_cost": move_cost,
            "orders_moved": self.orders,
            "units_moved": self.units,
            "locked_units": self.locked,
            "backorders_filled": self.filled,
        }


def _lat_lon(network: Network, n: int) -> tuple[float, float]:
    return float(network.lat[n]), float(network.lon[n])


def _node_load(dataset: Dataset, n: int, shipments: int, units: int) -> NodeLoad:
    """Utilisation of the node's positive limits; inactive nodes count as unlimited."""
    node = dataset.network.nodes[n]
    orders_u = _utilisation(shipments, node.max_orders_per_day) if node.active else None
    units_u = _utilisation(units, node.max_units_per_day) if node.active else None
    defined = [u for u in (orders_u, units_u) if u is not None]
    return NodeLoad(
        node_id=node.node_id,
        kind=node.kind,
        shipments=shipments,
        units=units,
        max_orders_per_day=node.max_orders_per_day,
        max_units_per_day=node.max_units_per_day,
        orders_utilisation=orders_u,
        units_utilisation=units_u,
        utilisation=max(defined) if defined else None,
    )


def _utilisation(used: int, limit: int | None) -> float | None:
    # A limit of 0 is a node closed to that resource, not a load to report.
    return None if not limit else used / limit


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _money(value: float) -> str:
    return f"{value:,.2f}" if math.isfinite(value) else "n/a"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f} %"
