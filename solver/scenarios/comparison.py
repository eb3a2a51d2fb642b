"""Compare scenarios with the base: each KPI's value, the base's value and the difference,
and for the total cost, the range of differences that the plans' proven bounds allow.

Deltas are plain differences, `value = base + delta`, so they add up by construction.

The cost range. A plan of `optimal` costs C and proves a lower bound L: the best plan costs
between L and C. A rule's plan (`nearest`, ...) is what the rule does, so its cost is exact.
For a scenario s against the base b, the best plans' difference is then proven to lie between
`L_s − C_b` and `C_s − L_b` (and their ratio between `L_s / C_b` and `C_s / L_b`). When that
range holds zero, the bounds cannot tell the scenario's effect from the search's own slack.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.kpis import Kpis

METRICS: tuple[tuple[str, str], ...] = (
    ("orders", "Orders"),
    ("total_cost", "Total cost"),
    ("bound", "Proven lower bound"),
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
MONEY = frozenset(m for m, _ in METRICS if m.endswith("_cost") or m in ("cost_per_order", "bound"))


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


@dataclass(frozen=True)
class CostRange:
    """A scenario's total cost against the base's, with what the bounds prove about it."""

    cost: float
    base_cost: float
    delta: float
    """cost − base cost."""
    relative: float | None
    """delta / base cost (None when the base costs 0)."""
    low: float | None
    """The least the best plans' difference can be, as the bounds prove (None: unknown)."""
    high: float | None
    relative_low: float | None
    relative_high: float | None

    @property
    def proven(self) -> bool:
        """Whether the bounds prove the sign of the difference (the range excludes zero)."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    def as_dict(self) -> dict[str, float | bool | None]:
        return {
            "delta": self.delta,
            "relative": self.relative,
            "proven_low": self.low,
            "proven_high": self.high,
            "relative_low": self.relative_low,
            "relative_high": self.relative_high,
            "sign_proven": self.proven,
        }


def optimum_range(kpis: Kpis) -> tuple[float, float] | None:
    """Where the best plan's cost lies: [bound, cost] for a search with a bound, the cost
    itself for a rule's plan, None for a search that proved no bound."""
    if kpis.bound is not None:
        return min(kpis.bound, kpis.total_cost), kpis.total_cost
    if kpis.strategy != "optimal":
        return kpis.total_cost, kpis.total_cost
    return None


def cost_range(base: Kpis, scenario: Kpis) -> CostRange:
    """The total cost of `scenario` against `base`, with its proven range."""
    delta = scenario.total_cost - base.total_cost
    relative = delta / base.total_cost if base.total_cost else None
    ours, theirs = optimum_range(scenario), optimum_range(base)
    low = high = relative_low = relative_high = None
    if ours is not None and theirs is not None:
        low, high = ours[0] - theirs[1], ours[1] - theirs[0]
        if theirs[0] > 0:
            relative_low, relative_high = ours[0] / theirs[1] - 1, ours[1] / theirs[0] - 1
    return CostRange(
        scenario.total_cost,
        base.total_cost,
        delta,
        relative,
        low,
        high,
        relative_low,
        relative_high,
    )


def describe_cost_range(found: CostRange) -> str:
    """ "+3.1 % (proven between +2.4 % and +3.9 %)", or what is not proven."""
    if found.relative is None:
        return f"{found.delta:+,.2f}"
    shown = _percent(found.relative)
    if found.relative_low is None or found.relative_high is None:
        return f"{shown} (no proven range: a plan without a bound)"
    between = f"{_percent(found.relative_low)} and {_percent(found.relative_high)}"
    if found.relative_low == found.relative_high:
        return f"{shown} (exact: no plan has slack)"
    if found.proven:
        return f"{shown} (proven between {between})"
    return f"{shown} (not proven: between {between}, which includes no change)"


def _percent(share: float) -> str:
    """+3.1 %; a change that rounds to nothing is "0.0 %", not "-0.0 %"."""
    percent = round(100 * share, 1)
    return f"{percent:+.1f} %" if percent else "0.0 %"
