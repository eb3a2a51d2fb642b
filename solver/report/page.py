"""`report.html`: one self-contained page comparing the scenarios of a what-if run.

Everything is inline (CSS, SVG charts, PNG maps as data URIs); the page has no script and
loads nothing, so it opens offline. Every chart sits in a `<figure class="chart">` with a
stable id (`chart-cost-per-order`, ..., `chart-map-<scenario>`).
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from solver.report import charts
from solver.report.formatting import format_delta, format_value
from solver.scenarios.comparison import METRICS, compare, cost_range, describe_cost_range
from solver.scenarios.outcome import ScenarioOutcome

if TYPE_CHECKING:
    from solver.scenarios.results import WhatifResult

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

CHARTS: tuple[tuple[str, str, Callable[[Sequence[ScenarioOutcome]], str]], ...] = (
    ("cost-per-order", "Cost per order and its breakdown", charts.cost_per_order_chart),
    ("shipments", "Shipments per order and split share", charts.shipments_chart),
    ("on-time", "On-time share", charts.on_time_chart),
    ("unfilled", "Unfilled units", charts.unfilled_chart),
    ("mix", "Share by fulfilment method and node kind", charts.mix_chart),
    ("utilisation", "Node utilisation against capacity", charts.utilisation_chart),
    ("batch-time", "Planning time per daily batch", charts.batch_time_chart),
)

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.meta { color: #666; margin-top: 0; }
table { border-collapse: collapse; font-size: 12.5px; margin: 8px 0; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e5e5e5; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f5f8; position: sticky; top: 0; }
.delta { color: #777; font-size: 11px; display: block; }
.better { color: #2e7d32; } .worse { color: #c62828; } .unproven { color: #b26a00; }
figure.chart { margin: 12px 0 20px; padding: 8px; border: 1px solid #eee; border-radius: 6px; }
figure.chart svg, figure.chart img { max-width: 100%; height: auto; display: block; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.maps { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr)); gap: 10px; }
"""


def chart_id(name: str) -> str:
    return "chart-" + re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def _figure(identifier: str, title: str, body: str, extra_class: str = "") -> str:
    classes = f"chart {extra_class}".strip()
    return (
        f'<figure class="{classes}" id="{identifier}">'
        f"<figcaption>{html.escape(title)}</figcaption>{body}</figure>"
    )


def _delta_class(metric: str, delta: float | None) -> str:
    if not delta:
        return ""
    if metric in LOWER_IS_BETTER:
        return "better" if delta < 0 else "worse"
    if metric in HIGHER_IS_BETTER:
        return "better" if delta > 0 else "worse"
    return ""


def kpi_table_html(outcomes: Sequence[ScenarioOutcome]) -> str:
    base = outcomes[0]
    columns = [(o, compare(base.kpis, o.kpis)) for o in outcomes]
    head = "".join(
        f"<th>{html.escape(o.name)}<br><small>{html.escape(o.strategy)}</small></th>"
        for o in outcomes
    )
    rows = []
    for m, (metric, label) in enumerate(METRICS):
        cells = []
        for k, (_, deltas) in enumerate(columns):
            d = deltas[m]
            cell = html.escape(format_value(metric, d.value))
            if k > 0 and d.delta:
                css = _delta_class(metric, d.delta)
                shown = html.escape(format_delta(metric, d.delta))
                cell += f'<span class="delta {css}">{shown}</span>'
            if k > 0 and metric == "total_cost":
                found = cost_range(base.kpis, columns[k][0].kpis)
                css = "proven" if found.proven else "unproven"
                shown = html.escape(describe_cost_range(found))
                cell += f'<span class="delta {css}">{shown}</span>'
            cells.append(f"<td>{cell}</td>")
        rows.append(f"<tr><td>{html.escape(label.strip())}</td>{''.join(cells)}</tr>")
    return (
        f'<table id="kpi-table"><thead><tr><th>KPI</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def scenario_list_html(outcomes: Sequence[ScenarioOutcome]) -> str:
    items = []
    for o in outcomes:
        days = len(o.batches)
        description = f" — {html.escape(o.description)}" if o.description else ""
        items.append(
            f"<li><b>{html.escape(o.name)}</b> ({html.escape(o.strategy)}, {o.kpis.orders:,} "
            f"orders over {days} day{'s' if days != 1 else ''}, planned in "
            f"{o.seconds:.1f} s){description}</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def render_outcomes(outcomes: Sequence[ScenarioOutcome], title: str, meta: str) -> str:
    """The page for `outcomes` (the first is the base every other is compared with)."""
    sections = [_figure(chart_id(key), caption, draw(outcomes)) for key, caption, draw in CHARTS]
    maps = [
        _figure(
            chart_id(f"map-{o.name}"),
            f"Map: {o.name}",
            f'<img alt="map of nodes and flows for {html.escape(o.name)}" '
            f'src="{charts.flow_map(o)}">',
            "chart-map",
        )
        for o in outcomes
    ]
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<h1>{html.escape(title)}</h1><p class="meta">{html.escape(meta)}</p>'
        f"<h2>Scenarios</h2>{scenario_list_html(outcomes)}"
        f"<h2>Key figures against {html.escape(outcomes[0].name)}</h2>"
        f"{kpi_table_html(outcomes)}"
        f"<h2>Charts</h2>{''.join(sections)}"
        f'<h2>Maps: nodes and flows to customers</h2><div class="maps">{"".join(maps)}</div>'
        "</body></html>\n"
    )


def render_report(result: WhatifResult) -> str:
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    limit = "no time limit" if result.time_limit is None else f"time limit {result.time_limit:g} s"
    meta = (
        f"{result.file.name}: {len(result.all)} scenarios, {result.workers} worker(s), {limit}, "
        f"run took {result.seconds:.1f} s; made {when}"
    )
    return render_outcomes(result.all, f"What-if report: {result.file.stem}", meta)
