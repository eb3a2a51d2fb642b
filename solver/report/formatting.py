"""How KPI values and their deltas read in tables (terminal and report alike)."""

from __future__ import annotations

from solver.scenarios.comparison import MONEY, SHARES

LOWER_IS_BETTER = frozenset(
    {
        "total_cost",
        "cost_per_order",
        "carrier_cost",
        "handling_cost",
        "dropship_cost",
        "split_cost",
        "late_cost",
        "unfilled_cost",
        "shipments_per_order",
        "split_order_share",
        "unfilled_units",
        "unfilled_share",
        "km_per_unit",
    }
)
HIGHER_IS_BETTER = frozenset({"on_time_shipment_share", "on_time_order_share", "units_shipped"})


def format_value(metric: str, value: float | None) -> str:
    if value is None:
        return "—"
    if metric in SHARES:
        return f"{100 * value:.1f} %"
    if metric in MONEY:
        return f"{value:,.2f}"
    if float(value).is_integer() and "per" not in metric and metric != "solve_seconds":
        return f"{int(value):,}"
    return f"{value:,.2f}"


def format_delta(metric: str, delta: float | None) -> str:
    """The change as shown next to a value, or "" when there is none at the precision shown
    (a share moving by 0.0004 is no "-0.0 pt")."""
    if delta is None:
        return ""
    if metric in SHARES:
        points = round(100 * delta, 1)
        return f"{points:+.1f} pt" if points else ""
    if metric in MONEY or not float(delta).is_integer():
        shown = round(delta, 2)
        return f"{shown:+,.2f}" if shown else ""
    return f"{int(delta):+,}" if delta else ""


def format_relative(relative: float | None) -> str:
    """A change as a share of the base ("+3.1 %"), or "" when it rounds to none."""
    if relative is None:
        return ""
    percent = round(100 * relative, 1)
    return f"{percent:+,.1f} %" if percent else ""


def delta_sense(metric: str, delta: float | None) -> str:
    """`better`, `worse`, or "" for a KPI that is neither (mix shares, counts, time)."""
    if not delta:
        return ""
    if metric in LOWER_IS_BETTER:
        return "better" if delta < 0 else "worse"
    if metric in HIGHER_IS_BETTER:
        return "better" if delta > 0 else "worse"
    return ""
