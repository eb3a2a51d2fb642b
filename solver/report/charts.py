"""The report's charts as Bokeh models: hover for values, zoom and pan, legends that hide a
series on click; every chart registers its scenarios with the page's `ScenarioSwitch`.

Each view draws the rows of `data.py` from one `ColumnDataSource` named after the view
(`cost-per-order`, `utilisation`, `map-<scenario>-nodes`, ...), so a test can read back in the
browser exactly what is drawn. Bokeh renders in the page from BokehJS, which `page.py` embeds
from the installed package: nothing is fetched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bokeh.core.property.vectorization import value
from bokeh.layouts import row
from bokeh.models import (
    ColumnDataSource,
    DataRange1d,
    FactorRange,
    HoverTool,
    LinearColorMapper,
)
from bokeh.palettes import YlOrRd
from bokeh.plotting import figure
from bokeh.transform import dodge

from solver.report import data
from solver.report.formatting import format_value
from solver.report.plots import (
    FONT,
    KIND_COLOURS,
    KIND_LABELS,
    METHOD_COLOURS,
    METHOD_LABELS,
    PART_COLOURS,
    SCENARIO_COLOURS,
    bar_labels,
    bar_plot,
    legend_item,
    legend_outside,
    scenario_colour,
    stacked_bars,
    style,
)
from solver.report.switch import ScenarioSwitch
from solver.scenarios.comparison import cost_range, describe_cost_range
from solver.scenarios.outcome import ScenarioOutcome

# --------------------------------------------------------------------------- cost


def cost_chart(outcomes: Sequence[ScenarioOutcome], switch: ScenarioSwitch) -> Any:
    """Cost per order, stacked by part; where a plan has a proven bound, a bracket from the
    bound to the plan's cost: the optimum lies inside it."""
    rows = data.cost_rows(outcomes)
    fields = [f for f, _ in data.BAR_PARTS]
    columns: dict[str, list[Any]] = {
        "scenario": [r.scenario for r in rows],
        "orders": [r.orders for r in rows],
        "total_cost": [r.total_cost for r in rows],
        "per_order": [r.per_order for r in rows],
        "label": [f" {format_value('cost_per_order', r.per_order)}" for r in rows],
        "bound_per_order": [_nan(r.bound_per_order) for r in rows],
        "bound": [_nan(r.bound) for r in rows],
        "gap": [_nan(_gap(r.total_cost, r.bound)) for r in rows],
        "against": [""]
        + [describe_cost_range(cost_range(outcomes[0].kpis, o.kpis)) for o in outcomes[1:]],
    }
    for f in fields:
        columns[f] = [r.parts[f] for r in rows]
    source = ColumnDataSource(columns, name="cost-per-order")
    plot = bar_plot(switch, "cost per order", extra_height=20)
    stacked_bars(
        plot,
        source,
        dict(zip(fields, (label for _, label in data.BAR_PARTS), strict=True)),
        PART_COLOURS,
        lambda field, label: [
            ("scenario", "@scenario"),
            (label, f"@{{{field}}}{{0,0.00}} per order"),
            ("cost per order", "@per_order{0,0.00}"),
            ("total cost", "@total_cost{0,0.00} (@orders{0,0} orders)"),
            ("against the base", "@against"),
        ],
    )
    bar_labels(plot, source, "per_order")
    if any(r.bound is not None for r in rows):
        bracket = plot.segment(
            x0="bound_per_order",
            y0="scenario",
            x1="per_order",
            y1="scenario",
            source=source,
            line_color="black",
            line_width=3,
            legend_label="proven range of the optimum",
        )
        mark = plot.scatter(
            x="bound_per_order",
            y="scenario",
            source=source,
            marker="diamond",
            size=13,
            color="black",
            legend_label="proven range of the optimum",
        )
        plot.add_tools(
            HoverTool(
                renderers=[bracket, mark],
                tooltips=[
                    ("scenario", "@scenario"),
                    ("proven lower bound", "@bound_per_order{0,0.00} per order (@bound{0,0.00})"),
                    ("plan", "@per_order{0,0.00} per order, @gap{0.0%} above the bound"),
                    ("against the base", "@against"),
                ],
            )
        )
    legend_outside(plot)
    return plot


def _gap(total: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    return (total - bound) / total if total > 0 else 0.0


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


# --------------------------------------------------------------------------- service


def _single_bars(
    outcomes: Sequence[ScenarioOutcome],
    switch: ScenarioSwitch,
    name: str,
    metric: str,
    values: Sequence[float],
    x_label: str,
    colour: str,
    labels: Sequence[str] | None = None,
    percent: bool = False,
    y_range: FactorRange | None = None,
) -> Any:
    shown = [100 * v for v in values] if percent else list(values)
    source = ColumnDataSource(
        {
            "scenario": [o.name for o in outcomes],
            "value": shown,
            "label": [f" {text}" for text in (labels or [format_value(metric, v) for v in values])],
        },
        name=name,
    )
    plot = bar_plot(switch, x_label, y_range=y_range)
    bars = plot.hbar(y="scenario", right="value", height=0.7, source=source, color=colour)
    bar_labels(plot, source, "value")
    plot.add_tools(
        HoverTool(renderers=[bars], tooltips=[("scenario", "@scenario"), (x_label, "@label")])
    )
    return plot


def shipments_chart(outcomes: Sequence[ScenarioOutcome], switch: ScenarioSwitch) -> Any:
    """Shipments per order, and the share of orders split into several shipments."""
    per_order = _single_bars(
        outcomes,
        switch,
        "shipments-per-order",
        "shipments_per_order",
        [o.kpis.shipments_per_order for o in outcomes],
        "shipments per order",
        SCENARIO_COLOURS[0],
    )
    split = _single_bars(
        outcomes,
        switch,
        "split-share",
        "split_order_share",
        [o.kpis.split_order_share for o in outcomes],
        "orders split (more than one shipment), %",
        SCENARIO_COLOURS[4],
        percent=True,
        y_range=per_order.y_range,
    )
    return row(per_order, split, sizing_mode="stretch_width")


def unfilled_chart(outcomes: Sequence[ScenarioOutcome], switch: ScenarioSwitch) -> Any:
    return _single_bars(
        outcomes,
        switch,
        "unfilled",
        "unfilled_units",
        [o.kpis.unfilled_units for o in outcomes],
        "units not shipped",
        SCENARIO_COLOURS[1],
        labels=[
            f"{o.kpis.unfilled_units:,} ({format_value('unfilled_share', o.kpis.unfilled_share)})"
            for o in outcomes
        ],
    )


def on_time_chart(outcomes: Sequence[ScenarioOutcome], switch: ScenarioSwitch) -> Any:
    """Shipments on time and orders wholly on time, side by side per scenario."""
    source = ColumnDataSource(
        {
            "scenario": [o.name for o in outcomes],
            "shipments": [100 * o.kpis.on_time_shipment_share for o in outcomes],
            "orders": [100 * o.kpis.on_time_order_share for o in outcomes],
        },
        name="on-time",
    )
    plot = bar_plot(switch, "on time, %", extra_height=10 * len(outcomes))
    plot.x_range.end = 100
    series = (
        ("shipments", "shipments on time", 0.18, SCENARIO_COLOURS[0]),
        ("orders", "orders wholly on time", -0.18, SCENARIO_COLOURS[5]),
    )
    for column, label, offset, colour in series:
        bars = plot.hbar(
            y=dodge("scenario", offset, range=plot.y_range),
            right=column,
            height=0.34,
            source=source,
            color=colour,
            legend_label=label,
        )
        plot.add_tools(
            HoverTool(
                renderers=[bars],
                tooltips=[("scenario", "@scenario"), (label, f"@{column}{{0.0}} %")],
            )
        )
    legend_outside(plot)
    return plot


def _share_stack(
    outcomes: Sequence[ScenarioOutcome],
    switch: ScenarioSwitch,
    name: str,
    shares: dict[str, list[float]],
    x_label: str,
    colours: Sequence[str],
    axis: FactorRange | None,
) -> Any:
    keys = [f"s{k}" for k in range(len(shares))]
    columns: dict[str, list[Any]] = {"scenario": [o.name for o in outcomes]}
    for key, values in zip(keys, shares.values(), strict=True):
        columns[key] = [100 * v for v in values]
    source = ColumnDataSource(columns, name=name)
    plot = bar_plot(switch, x_label, y_range=axis)
    plot.x_range.end = 100
    stacked_bars(
        plot,
        source,
        dict(zip(keys, shares, strict=True)),
        colours,
        lambda key, label: [("scenario", "@scenario"), (label, f"@{key}{{0.0}} % of units")],
    )
    legend = plot.legend[0]
    plot.legend.clear()
    legend.orientation = "horizontal"
    legend.click_policy = "hide"
    legend.label_text_font_size = "12px"
    legend.border_line_color = None
    plot.add_layout(legend, "above")
    return plot


def mix_chart(outcomes: Sequence[ScenarioOutcome], switch: ScenarioSwitch) -> Any:
    """Share of shipped units by fulfilment method and by the kind of node that ships them."""
    by_method = {
        label: [o.kpis.units_by_method.get(m, 0.0) for o in outcomes]
        for m, label in METHOD_LABELS.items()
    }
    by_kind = {
        label.split(" (")[0]: [o.kpis.units_by_node_kind.get(k, 0.0) for o in outcomes]
        for k, label in KIND_LABELS.items()
    }
    left = _share_stack(
        outcomes,
        switch,
        "units-by-method",
        by_method,
        "units by fulfilment method, %",
        METHOD_COLOURS,
        None,
    )
    right = _share_stack(
        outcomes,
        switch,
        "units-by-node-kind",
        by_kind,
        "units by node kind, %",
        [KIND_COLOURS[k] for k in KIND_LABELS],
        left.y_range,
    )
    return row(left, right, sizing_mode="stretch_width")


# --------------------------------------------------------------------------- capacity


def utilisation_chart(outcomes: Sequence[ScenarioOutcome], switch: ScenarioSwitch) -> Any:
    """A grid: the busiest nodes (rows) in every scenario (columns), coloured by utilisation
    of their daily capacity over the run, the figure in each cell."""
    rows, cells = data.utilisation_grid(outcomes)
    kinds = {c.node_id: c.kind for c in cells}
    labels = {node: f"{node} ({KIND_LABELS[kinds[node]].split(' (')[0]})" for node in rows}

    def cell_text(c: data.UtilisationCell) -> str:
        if not c.active:
            return "closed"
        return "—" if c.utilisation is None else f"{100 * c.utilisation:.0f} %"

    def limit_text(used: int, limit: int | None) -> str:
        return f"{used:,} (no limit)" if limit is None else f"{used:,} of {limit:,}"

    source = ColumnDataSource(
        {
            "scenario": [c.scenario for c in cells],
            "node": [labels[c.node_id] for c in cells],
            "node_id": [c.node_id for c in cells],
            "utilisation": [100 * _nan(c.utilisation) for c in cells],
            "text": [cell_text(c) for c in cells],
            "text_colour": ["white" if (c.utilisation or 0.0) > 0.65 else "#222222" for c in cells],
            "orders": [limit_text(c.shipments, c.max_orders) for c in cells],
            "units": [limit_text(c.units, c.max_units) for c in cells],
        },
        name="utilisation",
    )
    colours = LinearColorMapper(
        palette=list(reversed(YlOrRd[9])), low=0, high=100, nan_color="#f2f2f2"
    )
    plot = figure(
        x_range=switch.axis(flipped=False),
        y_range=FactorRange(factors=[labels[n] for n in reversed(rows)]),
        height=90 + 30 * len(rows),
        sizing_mode="stretch_width",
        x_axis_location="above",
        tools="save",
        toolbar_location=None,
    )
    grid = plot.rect(
        x="scenario",
        y="node",
        width=0.96,
        height=0.92,
        source=source,
        fill_color={"field": "utilisation", "transform": colours},
        line_color=None,
    )
    plot.text(
        x="scenario",
        y="node",
        text="text",
        source=source,
        text_align="center",
        text_baseline="middle",
        text_font_size="12px",
        text_font=value(FONT),
        text_color="text_colour",
    )
    plot.add_tools(
        HoverTool(
            renderers=[grid],
            tooltips=[
                ("node", "@node in @scenario"),
                ("utilisation", "@text of its capacity over the run"),
                ("shipments", "@orders"),
                ("units", "@units"),
            ],
        )
    )
    plot.grid.grid_line_color = None
    plot.axis.axis_line_color = None
    plot.axis.major_tick_line_color = None
    if len(outcomes) > 5:
        plot.xaxis.major_label_orientation = 0.35
    return style(plot)


def batch_time_chart(outcomes: Sequence[ScenarioOutcome], switch: ScenarioSwitch) -> Any:
    """Seconds each daily batch took to plan, one bar per scenario and day."""
    days = sorted({b.day for o in outcomes for b in o.batches})
    plot = figure(
        x_range=FactorRange(factors=days),
        y_range=DataRange1d(start=0),
        height=320,
        sizing_mode="stretch_width",
        y_axis_label="seconds",
        tools="ypan,ywheel_zoom,box_zoom,reset,save",
        active_scroll=None,
        toolbar_location="above",
    )
    plot.xgrid.grid_line_color = None
    width = 0.8 / max(1, len(outcomes))
    items = []
    for k, outcome in enumerate(outcomes):
        seconds = {b.day: b for b in outcome.batches}
        source = ColumnDataSource(
            {
                "day": days,
                "scenario": [outcome.name] * len(days),
                "seconds": [seconds[d].seconds if d in seconds else 0.0 for d in days],
                "orders": [seconds[d].orders if d in seconds else 0 for d in days],
            },
            name=f"batch-time-{outcome.name}",
        )
        offset = -0.4 + width * (k + 0.5)
        bars = plot.vbar(
            x=dodge("day", offset, range=plot.x_range),
            top="seconds",
            width=width * 0.92,
            source=source,
            color=scenario_colour(k),
        )
        switch.add_series(outcome.name, bars)
        items.append(legend_item(outcome.name, [bars]))
        plot.add_tools(
            HoverTool(
                renderers=[bars],
                tooltips=[
                    ("scenario", "@scenario"),
                    ("day", "@day: @orders{0,0} orders"),
                    ("planned in", "@seconds{0.00} s"),
                ],
            )
        )
    legend_outside(plot, items)
    return style(plot)
