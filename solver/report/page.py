"""`report.html`: one self-contained page comparing the scenarios of a what-if run.

Everything is inline: the CSS, BokehJS (from the installed `bokeh` package, only the bundles
the charts use) and the charts' data, so the page opens offline and loads nothing. Every chart
sits in a `<figure class="chart">` with a stable id (`chart-cost-per-order`, ..., `chart-map`)
holding one Bokeh root.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from solver.report import charts, maps
from solver.report.data import BUSIEST_NODES, map_flows
from solver.report.formatting import delta_sense, format_delta, format_value
from solver.report.switch import ScenarioSwitch
from solver.scenarios.comparison import METRICS, compare, cost_range, describe_cost_range
from solver.scenarios.outcome import ScenarioOutcome

if TYPE_CHECKING:
    from solver.scenarios.results import WhatifResult

Draw = Callable[[Sequence[ScenarioOutcome], ScenarioSwitch], Any]
CHARTS: tuple[tuple[str, str, Draw], ...] = (
    ("cost-per-order", "Cost per order and its breakdown", charts.cost_chart),
    ("shipments", "Shipments per order and split share", charts.shipments_chart),
    ("on-time", "On-time share", charts.on_time_chart),
    ("unfilled", "Unfilled units", charts.unfilled_chart),
    ("mix", "Share by fulfilment method and node kind", charts.mix_chart),
    ("utilisation", "Busiest nodes: utilisation of their capacity", charts.utilisation_chart),
    ("batch-time", "Planning time per daily batch", charts.batch_time_chart),
)
NOTES = {
    "cost-per-order": "Where a plan carries a proven lower bound, the black bracket runs from "
    "the bound to the plan's cost: the best possible plan costs somewhere inside it.",
    "utilisation": "Rows: every node among the "
    f"{BUSIEST_NODES} most loaded of at least one scenario. A cell is the tighter "
    "of shipments and units against the node's daily limits, over all days of the run.",
}

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.meta, .hint, .note { color: #666; margin-top: 0; }
.note { font-size: 12.5px; margin: 4px 0 0; }
table { border-collapse: collapse; font-size: 12.5px; margin: 8px 0; }
th, td { padding: 3px 8px; border-bottom: 1px solid #e5e5e5; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f5f8; }
.delta { color: #777; font-size: 11px; display: block; }
.better { color: #2e7d32; } .worse { color: #c62828; } .unproven { color: #b26a00; }
th[hidden], td[hidden] { display: none; }
.switch { position: sticky; top: 0; z-index: 2; background: #fff; padding: 6px 0;
          border-bottom: 1px solid #eee; display: flex; align-items: center; gap: 8px; }
figure.chart { margin: 12px 0 20px; padding: 8px; border: 1px solid #eee; border-radius: 6px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
"""


def chart_id(name: str) -> str:
    return "chart-" + re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")


def _figure(identifier: str, title: str, body: str, note: str = "") -> str:
    shown = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return (
        f'<figure class="chart" id="{identifier}">'
        f"<figcaption>{html.escape(title)}</figcaption>{body}{shown}</figure>"
    )


def kpi_table_html(outcomes: Sequence[ScenarioOutcome]) -> str:
    base = outcomes[0]
    columns = [(o, compare(base.kpis, o.kpis)) for o in outcomes]
    head = "".join(
        f'<th data-scenario="{html.escape(o.name)}">{html.escape(o.name)}<br>'
        f"<small>{html.escape(o.strategy)}</small></th>"
        for o in outcomes
    )
    rows = []
    for m, (metric, label) in enumerate(METRICS):
        cells = []
        for k, (outcome, deltas) in enumerate(columns):
            d = deltas[m]
            cell = html.escape(format_value(metric, d.value))
            shown = format_delta(metric, d.delta) if k > 0 else ""
            if shown:
                css = delta_sense(metric, d.delta)
                cell += f'<span class="delta {css}">{html.escape(shown)}</span>'
            if k > 0 and metric == "total_cost":  # what the plans' bounds prove about it
                found = cost_range(base.kpis, outcome.kpis)
                css = "proven" if found.proven else "unproven"
                shown = html.escape(describe_cost_range(found))
                cell += f'<span class="delta {css}">{shown}</span>'
            cells.append(f'<td data-scenario="{html.escape(outcome.name)}">{cell}</td>')
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


def _map_note(outcomes: Sequence[ScenarioOutcome]) -> str:
    capped = []
    for o in outcomes:
        shown = map_flows(o)
        if len(shown.flows) < shown.total:
            share = shown.units_shown / shown.units_total if shown.units_total else 1.0
            capped.append(
                f"{o.name}: the {len(shown.flows):,} biggest of {shown.total:,} flows "
                f"({100 * share:.0f} % of the units shipped)"
            )
    return "Drawn: " + "; ".join(capped) + "." if capped else ""


def _bokeh(roots: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    """BokehJS and its CSS as inline tags, the script that renders `roots` into their divs
    (one document, so a data source shared by several charts is embedded once), and the
    divs by key."""
    from bokeh.embed import components
    from bokeh.embed.bundle import bundle_for_objs_and_resources
    from bokeh.resources import INLINE

    bundle = bundle_for_objs_and_resources(list(roots.values()), INLINE)
    assert not bundle.js_urls and not bundle.css_urls  # inline: the page loads nothing
    js, css = bundle
    script, divs = components(roots)
    return js + css, script, dict(divs)


def render_outcomes(outcomes: Sequence[ScenarioOutcome], title: str, meta: str) -> str:
    """The page for `outcomes` (the first is the base every other is compared with)."""
    switch = ScenarioSwitch([o.name for o in outcomes])
    roots: dict[str, Any] = {key: draw(outcomes, switch) for key, _, draw in CHARTS}
    roots["map"] = maps.flow_map(outcomes)
    roots["switch"] = switch.widget()
    resources, script, divs = _bokeh(roots)
    sections = [
        _figure(chart_id(key), caption, divs[key], NOTES.get(key, "")) for key, caption, _ in CHARTS
    ]
    the_map = _figure(
        chart_id("map"), "Map: nodes and flows to customers", divs["map"], _map_note(outcomes)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style>{resources}</head><body>"
        f'<h1>{html.escape(title)}</h1><p class="meta">{html.escape(meta)}</p>'
        f"<h2>Scenarios</h2>{scenario_list_html(outcomes)}"
        f'<div class="switch">Show scenarios: {divs["switch"]}</div>'
        f"<h2>Key figures against {html.escape(outcomes[0].name)}</h2>"
        f"{kpi_table_html(outcomes)}"
        f"<h2>Charts</h2>"
        '<p class="hint">Hover for values. Drag to pan, scroll on an axis or use the box to '
        "zoom; the reset button goes back. A click on a legend entry hides "
        "that series; the boxes at the top show or hide a scenario everywhere.</p>"
        f"{''.join(sections)}"
        "<h2>Map</h2>"
        '<p class="hint">The buttons above the map show one scenario at a time. Hover a node '
        "for what it shipped, a line for its units; scroll to zoom; a click on a legend entry "
        "dims that layer.</p>"
        f"{the_map}{script}"
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
