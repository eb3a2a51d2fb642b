"""The report's scenario switch: check boxes that show or hide a scenario in every chart."""

from __future__ import annotations

from dataclasses import dataclass, field

from bokeh.models import CustomJS, FactorRange
from bokeh.models.renderers import GlyphRenderer
from bokeh.models.widgets import CheckboxGroup


@dataclass
class ScenarioSwitch:
    """Check boxes that show or hide each scenario in every chart: as a category of a chart's
    axis (the factor is removed from the range), as a series (its renderers are hidden) and
    as a column of the KPI table (cells marked `data-scenario`)."""

    names: list[str]
    axes: list[FactorRange] = field(default_factory=list)
    """Ranges whose factors are the scenario names, in file order."""
    flipped_axes: list[FactorRange] = field(default_factory=list)
    """Ranges of horizontal bars: the first scenario on top, so the factors are reversed."""
    series: dict[str, list[GlyphRenderer]] = field(default_factory=dict)

    def axis(self, flipped: bool) -> FactorRange:
        factors = list(reversed(self.names)) if flipped else list(self.names)
        axis = FactorRange(factors=factors)
        (self.flipped_axes if flipped else self.axes).append(axis)
        return axis

    def add_series(self, scenario: str, renderer: GlyphRenderer) -> None:
        self.series.setdefault(scenario, []).append(renderer)

    def widget(self) -> CheckboxGroup:
        boxes = CheckboxGroup(
            labels=self.names, active=list(range(len(self.names))), inline=True, name="scenarios"
        )
        boxes.js_on_change(
            "active",
            CustomJS(
                args={
                    "names": self.names,
                    "axes": self.axes,
                    "flipped": self.flipped_axes,
                    "series": self.series,
                },
                code=SWITCH_JS,
            ),
        )
        return boxes


SWITCH_JS = """
const shown = new Set(cb_obj.active.map((i) => names[i]));
if (shown.size === 0) { return; }  // an empty axis draws nothing useful
const kept = names.filter((n) => shown.has(n));
for (const axis of axes) { axis.factors = kept; }
for (const axis of flipped) { axis.factors = [...kept].reverse(); }
for (const [name, renderers] of Object.entries(series)) {
  for (const renderer of renderers) { renderer.visible = shown.has(name); }
}
for (const cell of document.querySelectorAll("[data-scenario]")) {
  cell.hidden = !shown.has(cell.dataset.scenario);
}
"""
