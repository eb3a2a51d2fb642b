"""The command line's KPI tables, laid out to fit the terminal (80 columns and up) or a log.

Nothing is cut short: the what-if comparison is pivoted (one row per scenario, the KPIs in
sections of columns), and a section whose columns do not fit the width is split into as many
tables as it needs, each repeating the scenario column. `plain` drops colour and box-drawing
characters (for logs and files). How values and deltas read is `solver.report.formatting`,
shared with the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.table import Table
from rich.text import Text

from solver.kpis import Kpis
from solver.report.data import COST_PARTS
from solver.report.formatting import delta_sense, format_delta, format_relative, format_value
from solver.scenarios.comparison import METRICS, MetricDelta, cost_range, describe_cost_range
from solver.scenarios.outcome import ScenarioOutcome
from solver.scenarios.results import WhatifResult

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Cost", ("total_cost", "bound", "cost_per_order")),
    ("Cost per part", tuple(field for field, _ in COST_PARTS)),
    ("Re-planning (spec §7)", ("move_cost", "orders_moved")),
    (
        "Service",
        (
            "orders",
            "shipments",
            "shipments_per_order",
            "split_order_share",
            "on_time_shipment_share",
            "on_time_order_share",
        ),
    ),
    ("Fill", ("units_ordered", "units_shipped", "unfilled_units", "unfilled_share")),
    (
        "Share of units by method",
        (
            "units_by_method.parcel",
            "units_by_method.same_day",
            "units_by_method.pickup",
            "units_by_method.transfer",
        ),
    ),
    (
        "Share of units by node kind",
        (
            "units_by_node_kind.warehouse",
            "units_by_node_kind.store",
            "units_by_node_kind.dark_store",
            "units_by_node_kind.vendor",
        ),
    ),
    ("Network", ("km_per_unit", "utilisation_mean", "utilisation_max", "nodes_at_capacity")),
    ("Solver", ("gap", "solve_seconds")),
)
"""Every compared KPI (`comparison.METRICS`) in exactly one section, in the tables' order."""
SHOWN_WHEN_KNOWN = frozenset({"Re-planning (spec §7)"})
"""Sections left out when no scenario has a value for them (no scenario re-plans)."""

HEADERS = {
    "total_cost": "total cost",
    "bound": "proven lower bound",
    "cost_per_order": "per order",
    "carrier_cost": "carrier",
    "handling_cost": "handling",
    "dropship_cost": "dropship fees",
    "split_cost": "split penalty",
    "late_cost": "late penalty",
    "unfilled_cost": "unfilled penalty",
    "move_cost": "move penalty",
    "orders_moved": "orders moved",
    "orders": "orders",
    "shipments": "shipments",
    "shipments_per_order": "shipments per order",
    "split_order_share": "orders split",
    "on_time_shipment_share": "shipments on time",
    "on_time_order_share": "orders on time",
    "units_ordered": "ordered",
    "units_shipped": "shipped",
    "unfilled_units": "unfilled",
    "unfilled_share": "unfilled share",
    "units_by_method.parcel": "parcel",
    "units_by_method.same_day": "same-day courier",
    "units_by_method.pickup": "store pickup",
    "units_by_method.transfer": "transfer to store",
    "units_by_node_kind.warehouse": "warehouses",
    "units_by_node_kind.store": "stores",
    "units_by_node_kind.dark_store": "dark stores",
    "units_by_node_kind.vendor": "vendors",
    "km_per_unit": "km per unit",
    "utilisation_mean": "utilisation mean",
    "utilisation_max": "utilisation max",
    "nodes_at_capacity": "nodes at capacity",
    "gap": "optimality gap",
    "solve_seconds": "solve time (s)",
}
GAP = 2
"""Characters between two columns (`padding=(0, 1)` on both sides)."""
PLAIN_BOX = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)
"""`box.SIMPLE_HEAD` in ASCII: a rule under the header, nothing else."""


@dataclass(frozen=True)
class Cell:
    """A value and, under it, its change against the base ("" for the base or no change)."""

    value: str
    change: str
    sense: str = ""
    """`better`, `worse` or "" (`formatting.delta_sense`)."""

    @property
    def width(self) -> int:
        return max(len(self.value), len(self.change))


def cell(metric: str, delta: MetricDelta, is_base: bool) -> Cell:
    value = format_value(metric, delta.value)
    if is_base:
        return Cell(value, "")
    change = format_delta(metric, delta.delta)
    relative = format_relative(delta.relative) if metric == "total_cost" else ""
    shown = f"{change} ({relative})" if change and relative else change
    return Cell(value, shown, delta_sense(metric, delta.delta) if shown else "")


def _header_lines(metric: str, width: int) -> list[str]:
    """The header's words on as few lines of at most `width` characters as they need."""
    lines: list[str] = []
    for word in HEADERS[metric].split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def _column_width(metric: str, cells: Sequence[Cell]) -> int:
    """Wide enough for every value and change; the header wraps at spaces to fit."""
    data = max(c.width for c in cells)
    longest_word = max(len(w) for w in HEADERS[metric].split())
    return max(data, longest_word, min(len(HEADERS[metric]), 12))


def _pack(widths: Sequence[int], first: int, width: int) -> list[list[int]]:
    """Indexes of columns in tables no wider than `width`: greedily, in order, each table
    starting with the scenario column (`first` characters wide)."""
    groups: list[list[int]] = []
    used = width + 1
    for k, w in enumerate(widths):
        if groups and used + GAP + w <= width:
            groups[-1].append(k)
            used += GAP + w
        else:
            groups.append([k])
            used = first + GAP + w
    return groups


def kpi_table(kpis: Kpis, plain: bool = False) -> Table:
    """One plan's KPIs (`Kpis.as_rows`): a label and a value a row, about 50 columns wide."""
    table = _table(f"KPIs — {kpis.dataset} / {kpis.strategy}", plain)
    table.add_column("KPI", style="" if plain else "bold")
    table.add_column("value", justify="right")
    for label, value in kpis.as_rows():
        table.add_row(label, value)
    return table


def comparison_tables(
    rows: Sequence[tuple[ScenarioOutcome, Sequence[MetricDelta]]],
    width: int,
    plain: bool = False,
) -> list[Table]:
    """The what-if comparison as tables no wider than `width`: per section, one row per
    scenario (the first is the base), a column per KPI with its change against the base."""
    index = {metric: m for m, (metric, _) in enumerate(METRICS)}
    names = [outcome.name for outcome, _ in rows]
    first = max(max(len(n) for n in names), max(len(o.strategy) for o, _ in rows), 8)
    first = min(first, max(8, width // 2))  # longer names fold inside the column
    tables = []
    for title, metrics in SECTIONS:
        if title in SHOWN_WHEN_KNOWN and all(
            deltas[index[m]].value is None for _, deltas in rows for m in metrics
        ):
            continue
        cells = {
            metric: [
                cell(metric, deltas[index[metric]], k == 0) for k, (_, deltas) in enumerate(rows)
            ]
            for metric in metrics
        }
        widths = [_column_width(metric, cells[metric]) for metric in metrics]
        groups = _pack(widths, first, width)
        for part, group in enumerate(groups, start=1):
            shown = f"{title} ({part}/{len(groups)})" if len(groups) > 1 else title
            table = _table(shown, plain)
            table.add_column("scenario", min_width=first, max_width=first, overflow="fold")
            for k in group:
                table.add_column(
                    "\n".join(_header_lines(metrics[k], widths[k])),
                    justify="right",
                    min_width=widths[k],
                    max_width=widths[k],
                    no_wrap=True,
                )
            for r, (outcome, _) in enumerate(rows):
                row = [_two_lines(outcome.name, outcome.strategy, "dim", plain)]
                for c in (cells[metrics[k]][r] for k in group):
                    row.append(_two_lines(c.value, c.change, STYLES[c.sense], plain))
                table.add_row(*row)
            tables.append(table)
    return tables


def _table(title: str, plain: bool) -> Table:
    return Table(
        title=title,
        title_justify="left",
        title_style="" if plain else "bold",
        box=PLAIN_BOX if plain else box.SIMPLE_HEAD,
        header_style="" if plain else "bold",
        show_edge=False,
        padding=(0, 1),
        pad_edge=False,
        collapse_padding=True,
        safe_box=True,
    )


STYLES = {"better": "green", "worse": "red", "": "dim"}


def _two_lines(top: str, bottom: str, style: str, plain: bool) -> Text:
    text = Text(top)
    if bottom:
        text.append("\n")
        text.append(bottom, style="" if plain else style)
    return text


def cost_range_table(result: WhatifResult, plain: bool = False) -> Table:
    """Each scenario's total cost against the base, with the range the plans' bounds prove
    (`comparison.cost_range`, `describe_cost_range`); a range that holds zero is flagged. The
    last column wraps, so the table fits any width from 60 columns."""
    table = _table(f"Total cost against {result.base.name!r}, and what the bounds prove", plain)
    table.add_column("scenario", overflow="fold")
    table.add_column("total cost", justify="right", no_wrap=True)
    table.add_column("against the base", ratio=1)
    for outcome in result.all:
        against = Text("")
        if outcome is not result.base:
            found = cost_range(result.base.kpis, outcome.kpis)
            style = "" if plain or found.proven else "yellow"
            against = Text(describe_cost_range(found), style=style)
        table.add_row(outcome.name, format_value("total_cost", outcome.kpis.total_cost), against)
    return table
