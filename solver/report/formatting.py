"""How KPI values and their deltas read in tables (terminal and report alike)."""

from __future__ import annotations

from solver.scenarios.comparison import MONEY, SHARES


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
    if delta is None:
        return ""
    if metric in SHARES:
        return f"{100 * delta:+.1f} pt"
    if metric in MONEY or not float(delta).is_integer():
        return f"{delta:+,.2f}"
    return f"{int(delta):+,}"
