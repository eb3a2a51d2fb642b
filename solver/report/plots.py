"""The look every chart of the report shares: colours, labels, fonts, legends, bar plots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bokeh.core.property.vectorization import value
from bokeh.models import ColumnDataSource, DataRange1d, FactorRange, HoverTool
from bokeh.models.annotations import LabelSet, Legend, LegendItem
from bokeh.plotting import figure

from solver.report.switch import ScenarioSwitch

SCENARIO_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#8C564B",
    "#7F7F7F",
    "#BCBD22",
)
"""One colour per scenario, in file order (Okabe-Ito's colour-blind-safe set first)."""
PART_COLOURS = ("#0072B2", "#56B4E9", "#CC79A7", "#E69F00", "#D55E00", "#9E9E9E", "#009E73")
METHOD_LABELS = {
    "parcel": "parcel",
    "same_day": "same-day courier",
    "pickup": "store pickup",
    "transfer": "transfer to store",
}
METHOD_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
KIND_LABELS = {
    "warehouse": "warehouse",
    "store": "store",
    "dark_store": "dark store",
    "vendor": "vendor (dropship)",
}
KIND_COLOURS = {
    "warehouse": "#0072B2",
    "store": "#009E73",
    "dark_store": "#E69F00",
    "vendor": "#CC79A7",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def scenario_colour(k: int) -> str:
    return SCENARIO_COLOURS[k % len(SCENARIO_COLOURS)]


def style(plot: Any) -> Any:
    plot.toolbar.logo = None
    plot.title.text_font = FONT
    for axis in (*plot.xaxis, *plot.yaxis):
        axis.axis_label_text_font = FONT
        axis.axis_label_text_font_style = "normal"
        axis.major_label_text_font = FONT
        axis.major_label_text_font_size = "12px"
    plot.outline_line_color = None
    return plot


def legend_outside(plot: Any, items: list[LegendItem] | None = None) -> None:
    """The legend right of the plot, never over a bar; a click hides the series."""
    legend = Legend(items=items) if items is not None else plot.legend[0]
    if items is None:
        plot.legend.clear()
    legend.click_policy = "hide"
    legend.label_text_font = FONT
    legend.label_text_font_size = "12px"
    legend.border_line_color = None
    plot.add_layout(legend, "right")


def bar_plot(
    switch: ScenarioSwitch,
    x_label: str,
    extra_height: int = 0,
    y_range: FactorRange | None = None,
) -> Any:
    """Horizontal bars, one row per scenario (the first on top); `y_range` shares another
    plot's rows."""
    height = 70 + 34 * len(switch.names) + extra_height
    plot = figure(
        x_range=DataRange1d(start=0),
        y_range=y_range or switch.axis(flipped=True),
        height=height,
        sizing_mode="stretch_width",
        x_axis_label=x_label,
        tools="xpan,xwheel_zoom,box_zoom,reset,save",
        active_scroll=None,
        toolbar_location="above",
    )
    plot.ygrid.grid_line_color = None
    return style(plot)


def legend_item(label: str, renderers: Sequence[Any]) -> LegendItem:
    """A legend entry for `renderers` (Bokeh's stubs type the list too narrowly for glyphs)."""
    return LegendItem(label=label, renderers=list(renderers))


def bar_labels(plot: Any, source: ColumnDataSource, x: str) -> None:
    """The `label` column written just right of each horizontal bar's end (`x`), with room
    for it: the range starts at 0, so its padding (a share of the span, half of it each side)
    all goes past the longest bar."""
    plot.x_range.range_padding = 0.45
    plot.add_layout(
        LabelSet(
            x=x,
            y="scenario",
            text="label",
            source=source,
            x_offset=4,
            y_offset=-7,
            text_font_size="12px",
            text_font=value(FONT),
        )
    )


def stacked_bars(
    plot: Any,
    source: ColumnDataSource,
    parts: dict[str, str],
    colours: Sequence[str],
    tooltips: Callable[[str, str], list[tuple[str, str]]],
) -> None:
    """Horizontal bars per scenario stacked from `parts` (column → legend label), each part
    with its own hover (`tooltips(column, label)`)."""
    stacks = plot.hbar_stack(
        list(parts),
        y="scenario",
        height=0.7,
        source=source,
        color=list(colours),
        line_color="white",
        legend_label=list(parts.values()),
    )
    for renderer, (column, label) in zip(stacks, parts.items(), strict=True):
        plot.add_tools(HoverTool(renderers=[renderer], tooltips=tooltips(column, label)))
