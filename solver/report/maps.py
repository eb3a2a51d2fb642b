"""The report's map: the contiguous states (`us_states.json`), each node, and the flows from
the nodes to their customers' areas, for one scenario at a time (buttons above it switch;
every scenario's layers are in the page, the others hidden), so the eye compares scenarios
in place."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from bokeh.layouts import column
from bokeh.models import CDSView, ColumnDataSource, CustomJS, GroupFilter, HoverTool, Range1d
from bokeh.models.annotations import Legend
from bokeh.models.renderers import DataRenderer
from bokeh.models.widgets import RadioButtonGroup
from bokeh.plotting import figure

from solver.report import data
from solver.report.plots import KIND_COLOURS, KIND_LABELS, legend_item, style
from solver.scenarios.outcome import ScenarioOutcome

MAP_WIDTH, MAP_HEIGHT = 1000, 560
"""Map frame in pixels: lon −125.5…−66.5 by lat 24…50, equirectangular at 37° N."""
MAP_LON = (-125.5, -66.5)
MAP_LAT = (24.0, 50.0)


@cache
def state_outlines() -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]:
    """Longitudes and latitudes of each ring of the contiguous states (`us_states.json`)."""
    text = resources.files("solver.report").joinpath("us_states.json").read_text("utf-8")
    rings = [ring for state in json.loads(text)["states"] for ring in state["rings"]]
    xs = tuple(tuple(lon for lon, _ in ring) for ring in rings)
    ys = tuple(tuple(lat for _, lat in ring) for ring in rings)
    return xs, ys


PICK_JS = """
const chosen = names[cb_obj.active];
for (const [name, renderers] of Object.entries(layers)) {
  for (const renderer of renderers) { renderer.visible = name === chosen; }
}
"""


def _flows(outcome: ScenarioOutcome) -> ColumnDataSource:
    spots = {n.node_id: n for n in outcome.nodes}
    shown = data.map_flows(outcome).flows
    biggest = max((f.units for f in shown), default=0)
    return ColumnDataSource(
        {
            "node_id": [f.node_id for f in shown],
            "x0": [spots[f.node_id].lon for f in shown],
            "y0": [spots[f.node_id].lat for f in shown],
            "x1": [f.to_lon for f in shown],
            "y1": [f.to_lat for f in shown],
            "units": [f.units for f in shown],
            "width": [data.flow_width(f.units, biggest) for f in shown],
            "colour": [KIND_COLOURS.get(spots[f.node_id].kind, "#555555") for f in shown],
        },
        name=f"map-{outcome.name}-flows",
    )


def _nodes(outcome: ScenarioOutcome) -> ColumnDataSource:
    loads = {x.node_id: x for x in outcome.kpis.node_loads}
    active = [n for n in outcome.nodes if n.active]
    units = [loads[n.node_id].units if n.node_id in loads else 0 for n in active]

    def load_of(node_id: str) -> str:
        load = loads.get(node_id)
        if load is None or load.utilisation is None:
            return "no capacity limit"
        return f"{100 * load.utilisation:.0f} % of its capacity"

    return ColumnDataSource(
        {
            "node_id": [n.node_id for n in active],
            "kind": [KIND_LABELS.get(n.kind, n.kind) for n in active],
            "lon": [n.lon for n in active],
            "lat": [n.lat for n in active],
            "units": units,
            "shipments": [loads[n.node_id].shipments if n.node_id in loads else 0 for n in active],
            "load": [load_of(n.node_id) for n in active],
            "size": [data.node_size(u, max(units, default=0)) for u in units],
            "colour": [KIND_COLOURS.get(n.kind, "#555555") for n in active],
        },
        name=f"map-{outcome.name}-nodes",
    )


def _closed(outcome: ScenarioOutcome) -> ColumnDataSource | None:
    closed = [n for n in outcome.nodes if not n.active]
    if not closed:
        return None
    return ColumnDataSource(
        {
            "node_id": [n.node_id for n in closed],
            "kind": [KIND_LABELS.get(n.kind, n.kind) for n in closed],
            "lon": [n.lon for n in closed],
            "lat": [n.lat for n in closed],
        },
        name=f"map-{outcome.name}-closed",
    )


def flow_map(outcomes: Sequence[ScenarioOutcome]) -> Any:
    """The buttons and the map: the states, each scenario's flows (width by units, colour by
    the shipping node's kind) and nodes (area by units shipped; closed ones crossed)."""
    xs, ys = state_outlines()
    plot = figure(
        x_range=Range1d(start=MAP_LON[0], end=MAP_LON[1]),
        y_range=Range1d(start=MAP_LAT[0], end=MAP_LAT[1]),
        frame_width=MAP_WIDTH,
        frame_height=MAP_HEIGHT,
        tools="pan,wheel_zoom,box_zoom,reset,save",
        active_scroll="wheel_zoom",
        toolbar_location="above",
        match_aspect=True,
    )
    plot.axis.visible = False
    plot.grid.grid_line_color = None
    plot.background_fill_color = "#f7f9fc"
    plot.patches(
        "xs",
        "ys",
        source=ColumnDataSource({"xs": list(xs), "ys": list(ys)}, name="states"),
        fill_color="#e8ebf0",
        line_color="#b8bfca",
        line_width=0.8,
    )
    layers: dict[str, list[DataRenderer]] = {}
    by_label: dict[str, list[DataRenderer]] = {}
    flow_lines: list[DataRenderer] = []
    node_dots: list[DataRenderer] = []
    crosses: list[DataRenderer] = []
    for k, outcome in enumerate(outcomes):
        shown = k == 0
        lines = plot.segment(
            x0="x0",
            y0="y0",
            x1="x1",
            y1="y1",
            source=_flows(outcome),
            line_width="width",
            line_color="colour",
            line_alpha=0.35,
            hover_line_alpha=0.9,
            hover_line_color="colour",
            visible=shown,
        )
        layer: list[DataRenderer] = [lines]
        flow_lines.append(lines)
        nodes = _nodes(outcome)
        for label in KIND_LABELS.values():
            if label not in nodes.data["kind"]:
                continue
            dots = plot.scatter(
                x="lon",
                y="lat",
                size="size",
                source=nodes,
                view=CDSView(filter=GroupFilter(column_name="kind", group=label)),
                fill_color="colour",
                line_color="white",
                line_width=1,
                visible=shown,
            )
            layer.append(dots)
            node_dots.append(dots)
            by_label.setdefault(label, []).append(dots)
        closed = _closed(outcome)
        if closed is not None:
            cross = plot.scatter(
                x="lon",
                y="lat",
                source=closed,
                marker="x",
                size=14,
                line_width=3,
                color="#C62828",
                visible=shown,
            )
            layer.append(cross)
            crosses.append(cross)
        layers[outcome.name] = layer
    plot.add_tools(
        HoverTool(
            renderers=node_dots,
            tooltips=[
                ("node", "@node_id (@kind)"),
                ("shipped", "@units{0,0} units in @shipments{0,0} shipments"),
                ("load", "@load"),
            ],
        ),
        HoverTool(
            renderers=flow_lines,
            tooltips=[
                ("from", "@node_id"),
                ("to", "around lat @y1{0.0}, lon @x1{0.0}"),
                ("units", "@units{0,0}"),
            ],
            line_policy="interp",
        ),
    )
    items = [legend_item(label, renderers) for label, renderers in by_label.items()]
    if crosses:
        plot.add_tools(
            HoverTool(renderers=crosses, tooltips=[("node", "@node_id (@kind)"), ("", "closed")])
        )
        items.append(legend_item("closed", crosses))
    items.append(legend_item("flows (width by units)", flow_lines))
    # `mute`, not `hide`: the buttons own `visible`, a legend click dims a layer in every map
    legend = Legend(items=items, location="bottom_left", click_policy="mute")
    legend.label_text_font_size = "12px"
    legend.background_fill_alpha = 0.8
    plot.add_layout(legend)
    names = [o.name for o in outcomes]
    pick = RadioButtonGroup(labels=names, active=0, name="map-scenario")
    pick.js_on_change("active", CustomJS(args={"names": names, "layers": layers}, code=PICK_JS))
    return column(pick, style(plot))
