"""The report's charts, drawn with matplotlib into inline SVG (bars) or PNG (maps) text.

Nothing is fetched: fonts are matplotlib's own, and the map's backdrop is the cloud of US
ZIP-code centroids from the offline `zipcodes` package (no tiles, no outlines from the net).
"""

from __future__ import annotations

import base64
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from functools import cache

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import zipcodes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from PIL import Image

from solver.geography import CONTIGUOUS_STATES
from solver.models import NODE_KINDS
from solver.scenarios.outcome import ScenarioOutcome

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # text stays text: smaller files, selectable labels
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "svg.hashsalt": "omniroute",  # stable ids: the same run gives the same file
    }
)

COST_PARTS: tuple[tuple[str, str], ...] = (
    ("carrier_cost", "carrier"),
    ("handling_cost", "handling"),
    ("dropship_cost", "dropship fees"),
    ("split_cost", "split penalty"),
    ("late_cost", "late penalty"),
    ("unfilled_cost", "unfilled penalty"),
)
METHOD_LABELS = {
    "parcel": "parcel",
    "same_day": "same-day courier",
    "pickup": "store pickup",
    "transfer": "transfer to store",
}
KIND_COLOURS = {
    "warehouse": "#1f4e79",
    "store": "#2e8b57",
    "dark_store": "#d2691e",
    "vendor": "#8b3a8b",
}
PALETTE = ("#1f4e79", "#4f81bd", "#9bbb59", "#f79646", "#c0504d", "#8064a2", "#4bacc6")


def svg_of(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prologue: the SVG sits inside HTML


def png_data_uri(figure: Figure, dpi: int = 130) -> str:
    """The figure as a PNG data URI, reduced to a 256-colour palette (a map of thin lines
    compresses about 4× smaller that way, with every node colour kept)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(figure)
    image = Image.open(buffer).convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
    small = io.BytesIO()
    image.save(small, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(small.getvalue()).decode("ascii")


def _legend_on_top(axes: plt.Axes, ncol: int) -> None:
    axes.legend(fontsize=7, ncol=ncol, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)


def _names(outcomes: Sequence[ScenarioOutcome]) -> list[str]:
    return [o.name for o in outcomes]


def _bar_height(count: int) -> float:
    return 1.2 + 0.45 * count


def cost_per_order_chart(outcomes: Sequence[ScenarioOutcome]) -> str:
    """Stacked horizontal bars: cost per order by component, one bar per scenario."""
    names = _names(outcomes)
    figure, axes = plt.subplots(figsize=(8, _bar_height(len(names))))
    left = np.zeros(len(names))
    for (field, label), colour in zip(COST_PARTS, PALETTE, strict=False):
        values = np.array(
            [getattr(o.kpis, field) / o.kpis.orders if o.kpis.orders else 0.0 for o in outcomes]
        )
        axes.barh(names, values, left=left, label=label, color=colour)
        left += values
    for y, total in enumerate(left):
        axes.text(total, y, f" {total:,.2f}", va="center", fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("cost per order")
    _legend_on_top(axes, ncol=6)
    return svg_of(figure)


def _share_bars(
    outcomes: Sequence[ScenarioOutcome],
    series: Sequence[tuple[str, Sequence[float]]],
    xlabel: str,
    percent: bool,
) -> Figure:
    names = _names(outcomes)
    figure, axes = plt.subplots(figsize=(8, _bar_height(len(names)) + 0.3 * len(series)))
    height = 0.8 / len(series)
    y = np.arange(len(names))
    for k, ((label, values), colour) in enumerate(zip(series, PALETTE, strict=False)):
        shown = np.array(values) * (100 if percent else 1)
        bars = axes.barh(y + k * height, shown, height=height, label=label, color=colour)
        axes.bar_label(bars, fmt="%.1f %%" if percent else "%.2f", fontsize=7, padding=2)
    axes.set_yticks(y + height * (len(series) - 1) / 2, names)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    if len(series) > 1:
        axes.legend(fontsize=7, loc="lower right")
    return figure


def shipments_chart(outcomes: Sequence[ScenarioOutcome]) -> str:
    """Shipments per order, and the share of orders split into several shipments."""
    names = _names(outcomes)
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, _bar_height(len(names))), sharey=True)
    per_order = [o.kpis.shipments_per_order for o in outcomes]
    split = [100 * o.kpis.split_order_share for o in outcomes]
    left.bar_label(left.barh(names, per_order, color=PALETTE[0]), fmt="%.2f", fontsize=7)
    right.bar_label(right.barh(names, split, color=PALETTE[3]), fmt="%.1f %%", fontsize=7)
    left.invert_yaxis()
    left.set_xlabel("shipments per order")
    right.set_xlabel("orders split (> 1 shipment), %")
    return svg_of(figure)


def on_time_chart(outcomes: Sequence[ScenarioOutcome]) -> str:
    figure = _share_bars(
        outcomes,
        [
            ("shipments on time", [o.kpis.on_time_shipment_share for o in outcomes]),
            ("orders wholly on time", [o.kpis.on_time_order_share for o in outcomes]),
        ],
        "on time, %",
        percent=True,
    )
    figure.axes[0].set_xlim(0, 115)
    return svg_of(figure)


def unfilled_chart(outcomes: Sequence[ScenarioOutcome]) -> str:
    names = _names(outcomes)
    figure, axes = plt.subplots(figsize=(8, _bar_height(len(names))))
    bars = axes.barh(names, [o.kpis.unfilled_units for o in outcomes], color=PALETTE[4])
    labels = [f"{o.kpis.unfilled_units:,} ({100 * o.kpis.unfilled_share:.1f} %)" for o in outcomes]
    axes.bar_label(bars, labels=labels, fontsize=7, padding=2)
    axes.invert_yaxis()
    axes.set_xlabel("units not shipped")
    return svg_of(figure)


def _stacked_shares(axes: plt.Axes, names: list[str], shares: dict[str, list[float]]) -> None:
    left = np.zeros(len(names))
    for (label, values), colour in zip(shares.items(), PALETTE, strict=False):
        shown = np.array(values) * 100
        axes.barh(names, shown, left=left, label=label, color=colour)
        left += shown
    axes.set_xlim(0, 100)
    axes.invert_yaxis()
    _legend_on_top(axes, ncol=4)


def mix_chart(outcomes: Sequence[ScenarioOutcome]) -> str:
    """Share of shipped units by fulfilment method and by the kind of node that ships them."""
    names = _names(outcomes)
    figure, (left, right) = plt.subplots(
        1, 2, figsize=(10, _bar_height(len(names)) + 0.6), sharey=True
    )
    by_method = {
        METHOD_LABELS[m]: [o.kpis.units_by_method.get(m, 0.0) for o in outcomes]
        for m in METHOD_LABELS
    }
    by_kind = {
        k.replace("_", " "): [o.kpis.units_by_node_kind.get(k, 0.0) for o in outcomes]
        for k in NODE_KINDS
    }
    _stacked_shares(left, names, by_method)
    _stacked_shares(right, names, by_kind)
    right.invert_yaxis()  # shared axis: undo the second flip
    left.set_xlabel("units by fulfilment method, %")
    right.set_xlabel("units by node kind, %")
    return svg_of(figure)


def utilisation_chart(outcomes: Sequence[ScenarioOutcome]) -> str:
    """Each capacity-limited node's load against its capacity over the run, busiest first."""
    figure, axes = plt.subplots(figsize=(9, 3.6))
    most = 0
    for outcome, colour in zip(outcomes, PALETTE * 4, strict=False):
        loads = sorted(
            (x.utilisation for x in outcome.kpis.node_loads if x.utilisation is not None),
            reverse=True,
        )
        most = max(most, len(loads))
        axes.plot(
            np.arange(1, len(loads) + 1), np.array(loads) * 100, label=outcome.name, color=colour
        )
    axes.axhline(100, color="#c0504d", linestyle="--", linewidth=1)
    axes.text(max(1, most), 101, "capacity", color="#c0504d", ha="right", va="bottom", fontsize=7)
    axes.set_xlabel("capacity-limited nodes, busiest first")
    axes.set_ylabel("utilisation of capacity, %")
    axes.set_ylim(0, max(110, axes.get_ylim()[1]))
    _legend_on_top(axes, ncol=min(6, len(outcomes)))
    return svg_of(figure)


def batch_time_chart(outcomes: Sequence[ScenarioOutcome]) -> str:
    """Seconds each daily batch took to plan, per scenario."""
    figure, axes = plt.subplots(figsize=(9, 2.8))
    days = sorted({b.day for o in outcomes for b in o.batches})
    width = 0.8 / max(1, len(outcomes))
    x = np.arange(len(days))
    for k, (outcome, colour) in enumerate(zip(outcomes, PALETTE * 4, strict=False)):
        seconds = {b.day: b.seconds for b in outcome.batches}
        axes.bar(
            x + k * width,
            [seconds.get(d, 0.0) for d in days],
            width=width,
            label=outcome.name,
            color=colour,
        )
    axes.set_xticks(x + width * (len(outcomes) - 1) / 2, days, rotation=30, ha="right")
    axes.set_ylabel("seconds")
    axes.legend(fontsize=7, ncol=min(4, len(outcomes)))
    return svg_of(figure)


@cache
def us_backdrop() -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of contiguous-US ZIP centroids: the map's silhouette."""
    points = [
        (float(z["long"]), float(z["lat"]))
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD" and z["state"] in CONTIGUOUS_STATES
    ]
    array = np.array(points)
    return array[:, 0], array[:, 1]


def flow_map(outcome: ScenarioOutcome) -> str:
    """Nodes (by kind, sized by units shipped) and the flows from each node to its customers."""
    figure, axes = plt.subplots(figsize=(9, 5.2))
    lon, lat = us_backdrop()
    axes.scatter(lon, lat, s=0.3, color="#cccccc", linewidths=0, rasterized=True)
    spots = {n.node_id: n for n in outcome.nodes}
    if outcome.flows:
        units = np.array([f.units for f in outcome.flows], dtype=float)
        segments = [
            ((spots[f.node_id].lon, spots[f.node_id].lat), (f.to_lon, f.to_lat))
            for f in outcome.flows
        ]
        colours = [KIND_COLOURS.get(spots[f.node_id].kind, "#555555") for f in outcome.flows]
        weight = np.sqrt(units / units.max())
        alpha = min(0.35, max(0.08, 400 / len(segments)))  # many flows: fainter lines
        lines = LineCollection(
            segments, colors=colours, linewidths=0.2 + 1.6 * weight, alpha=alpha, zorder=2
        )
        axes.add_collection(lines)
    shipped: dict[str, int] = defaultdict(int)
    for load in outcome.kpis.node_loads:
        shipped[load.node_id] = load.units
    biggest = max(shipped.values(), default=0) or 1
    for kind, colour in KIND_COLOURS.items():
        nodes = [n for n in outcome.nodes if n.kind == kind and n.active]
        if nodes:
            sizes = [8 + 120 * math.sqrt(shipped[n.node_id] / biggest) for n in nodes]
            axes.scatter(
                [n.lon for n in nodes],
                [n.lat for n in nodes],
                s=sizes,
                color=colour,
                edgecolors="white",
                linewidths=0.5,
                label=kind.replace("_", " "),
                zorder=3,
            )
    closed = [n for n in outcome.nodes if not n.active]
    if closed:
        axes.scatter(
            [n.lon for n in closed],
            [n.lat for n in closed],
            marker="x",
            s=30,
            color="#c0504d",
            label="closed",
            zorder=4,
        )
    axes.set_xlim(-125.5, -66.5)
    axes.set_ylim(24, 50)
    axes.set_aspect(1 / math.cos(math.radians(37)))  # plain equirectangular at mid-US
    axes.grid(False)
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    legend = axes.legend(fontsize=7, loc="lower left")
    for handle in legend.legend_handles:
        if isinstance(handle, PathCollection):
            handle.set_sizes([30])
    axes.set_title(f"{outcome.name}: nodes and flows to customers", fontsize=9)
    return png_data_uri(figure)
