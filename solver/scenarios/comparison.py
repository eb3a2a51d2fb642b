"""Compare scenarios with the base: each KPI's value, the base's value and the difference.

Deltas are plain differences, `value = base + delta`, so they add up by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.kpis import Kpis

METRICS: tuple[tuple[str, str], ...] = (
    ("orders", "Orders"),
    ("total_cost", "Total cost"),
    ("cost_per_order", "Cost per order"),
    ("carrier_cost", "  carrier"),
    ("handling_cost", "  handling"),
    ("dropship_cost", "  dropship fees"),
    ("split_cost", "  split penalty"),
    ("late_cost", "  late penalty"),
    ("unfilled_cost", "  unfilled penalty"),
    ("move_cost", "  move penalty"),
    ("orders_moved", "Orders moved (re-planned)"),
    ("shipments", "Shipments"),
    ("shipments_per_order", "Shipments per order"),
    ("split_order_share", "Orders split"),
    ("on_time_shipment_share", "Shipments on time"),
    ("on_time_order_share", "Orders wholly on time"),
    ("units_ordered", "Units ordered"),
    ("units_shipped", "Units shipped"),
    ("unfilled_units", "Units unfilled"),
    ("unfilled_share", "Unfilled share"),
    ("units_by_method.parcel", "Units by parcel"),
    ("units_by_method.same_day", "Units by same-day courier"),
    ("units_by_method.pickup", "Units by store pickup"),
    ("units_by_method.transfer", "Units by transfer to store"),
    ("units_by_node_kind.warehouse", "Units from warehouses"),
    ("units_by_node_kind.store", "Units from stores"),
    ("units_by_node_kind.dark_store", "Units from dark stores"),
    ("units_by_node_kind.vendor", "Units from vendors"),
    ("km_per_unit", "Distance per unit (km)"),
    ("utilisation_mean", "Node utilisation, mean"),
    ("utilisation_max", "Node utilisation, max"),
    ("nodes_at_capacity", "Nodes at 100 %"),
    ("gap", "Optimality gap"),
    ("solve_seconds", "Solve time (s)"),
)
"""(metric, label): the KPIs compared, in the order tables show them. Dotted names are the
entries of the KPI's share dictionaries."""

SHARES = frozenset(
    {
        "split_order_share",
        "on_time_shipment_share",
        "on_time_order_share",
        "unfilled_share",
        "utilisation_mean",
        "utilisation_max",
        "gap",
    }
    | {m for m, _ in METRICS if m.startswith("units_by_")}
)
MONEY = frozenset(m for m, _ in METRICS if m.endswith("_cost") or m == "cost_per_order")


def metric_values(kpis: Kpis) -> dict[str, float | None]:
    """The compared KPIs as a flat mapping (dotted names for shares by method and node kind)."""
    data = kpis.as_dict()
    out: dict[str, float | None] = {}
    for metric, _ in METRICS:
        head, _, key = metric.partition(".")
        value = data[head][key] if key else data[head]
        out[metric] = None if value is None else float(value)
    return out


@dataclass(frozen=True)
class MetricDelta:
    metric: str
    value: float | None
    base: float | None
    delta: float | None
    """value − base; None when either is unknown."""
    relative: float | None
    """delta / |base|; None when the base is 0 or unknown."""


def compare(base: Kpis, scenario: Kpis) -> list[MetricDelta]:
    """Every compared KPI of `scenario` against `base`."""
    ours, theirs = metric_values(scenario), metric_values(base)
    rows = []
    for metric, _ in METRICS:
        value, reference = ours[metric], theirs[metric]
        delta = None if value is None or reference is None else value - reference
        relative = None if delta is None or not reference else delta / abs(reference)
        rows.append(MetricDelta(metric, value, reference, delta, relative))
    return rows
