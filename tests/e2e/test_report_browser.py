"""report.html in a real headless Chromium: it renders, every chart draws the numbers of
kpis.json (read back from the page's own data), hover shows values, the scenario switch hides
a scenario everywhere, every chart's screenshot has ink, and the page asks the network for
nothing."""

from __future__ import annotations

import io
import itertools
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from bokeh.palettes import YlOrRd
from rich.console import Console

from omniroute.whatif import run_whatif, write_outputs
from solver.report import plots
from solver.report.data import BAR_PARTS
from solver.report.page import CHARTS, chart_id

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
REPORT_BUDGET_BYTES = 5_000_000

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
Image = pytest.importorskip("PIL.Image")

SCENARIOS = """
base: {{dataset: {demo}, changes: [{{kind: spread_days, days: 2}}]}}
defaults: {{strategy: optimal}}
scenarios:
  close-w1:
    strategy: myopic
    changes: [{{kind: close_nodes, nodes: [W1]}}]
  nearest-rule: {{strategy: nearest}}
  w3-down:
    strategy: myopic
    changes: [{{kind: outage_at, nodes: [W3], hour: 14, picked_after_hours: 4}}]
"""
NAMES = ["base", "close-w1", "nearest-rule", "w3-down"]

READ_SOURCE = """(name) => {
  const source = Bokeh.documents[0].get_model_by_name(name);
  if (source === null) { return null; }
  const out = {};
  for (const [column, values] of Object.entries(source.data)) { out[column] = Array.from(values); }
  return out;
}"""
WHERE_IS = """([name, x, y]) => {
  // Viewport position of data point (x, y) in the plot that draws source `name`.
  const source = Bokeh.documents[0].get_model_by_name(name);
  const seen = new Set();
  const walk = (view) => {
    if (seen.has(view)) { return null; }
    seen.add(view);
    if (view.model.renderers && view.model.renderers.some((r) => r.data_source === source)) {
      const frame = view.frame;
      const sx = frame.x_scale.compute(typeof x === "string" ? view.model.x_range.synthetic(x) : x);
      const sy = frame.y_scale.compute(typeof y === "string" ? view.model.y_range.synthetic(y) : y);
      const box = view.canvas_view.el.getBoundingClientRect();
      return {x: box.left + sx, y: box.top + sy};
    }
    for (const child of view.child_views ?? []) {
      const found = walk(child);
      if (found) { return found; }
    }
    return null;
  };
  for (const view of Object.values(Bokeh.index)) {
    const found = walk(view);
    if (found) { return found; }
  }
  return null;
}"""


DRAWN_BARS = """(name) => {
  // The bars as drawn: for each bar glyph drawing source `name`, its left and right ends on
  // the screen, taken back to data units by the plot's own x scale.
  const source = Bokeh.documents[0].get_model_by_name(name);
  const bars = [];
  const seen = new Set();
  const walk = (view) => {
    if (seen.has(view)) { return; }
    seen.add(view);
    for (const [model, drawn] of view.renderer_views ?? []) {
      if (model.data_source === source && drawn.glyph && drawn.glyph.model.type === "HBar") {
        const scale = view.frame.x_scale;
        bars.push({
          left: Array.from(scale.v_invert(drawn.glyph.sleft)),
          right: Array.from(scale.v_invert(drawn.glyph.sright)),
          pixels: Array.from(drawn.glyph.sright, (r, i) => r - drawn.glyph.sleft[i]),
        });
      }
    }
    for (const child of view.child_views ?? []) { walk(child); }
  };
  for (const view of Object.values(Bokeh.index)) { walk(view); }
  return bars;
}"""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("report")
    path = folder / "w.yaml"
    path.write_text(SCENARIOS.format(demo=DEMO))
    result = run_whatif(path, folder / "out", None, 1, Console(quiet=True))
    paths = write_outputs(result, folder / "out")
    document = json.loads(paths["kpis.json"].read_text())
    return paths["report.html"], {s["name"]: s for s in document["scenarios"]}


@pytest.fixture(scope="module")
def report(outputs) -> Path:
    return outputs[0]


@pytest.fixture(scope="module")
def scenarios(outputs) -> dict[str, Any]:
    return outputs[1]


@pytest.fixture(scope="module")
def page_of_report(report):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        requested: list[str] = []
        blocked: list[str] = []
        failures: list[str] = []

        def only_the_file(route):
            url = route.request.url
            requested.append(url)
            if url.startswith("file://"):
                route.continue_()
            else:
                blocked.append(url)
                route.abort()

        page.route("**/*", only_the_file)
        page.on("pageerror", lambda error: failures.append(str(error)))
        page.on("console", lambda m: failures.append(m.text) if m.type == "error" else None)
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_function(
            "() => window.Bokeh && Bokeh.documents.length === 1 && Bokeh.documents[0].is_idle",
            timeout=30_000,
        )
        yield page, requested, blocked, failures
        browser.close()


def source(page, name: str) -> dict[str, list[Any]]:
    data = page.evaluate(READ_SOURCE, name)
    assert data is not None, f"no data source named {name!r} in the page"
    return data


def expected_chart_ids() -> list[str]:
    return [chart_id(key) for key, _, _ in CHARTS] + [chart_id("map")]


def test_the_report_is_one_file_within_budget(report):
    assert report.stat().st_size < REPORT_BUDGET_BYTES
    text = report.read_text()
    assert "<script src" not in text and "<link " not in text


def test_every_chart_renders_with_a_size_and_no_script_error(page_of_report):
    page, _, _, failures = page_of_report
    assert page.title() == "What-if report: w"
    assert failures == []
    for identifier in expected_chart_ids():
        figure = page.locator(f"figure.chart#{identifier}")
        assert figure.count() == 1, identifier
        assert figure.locator("figcaption").count() == 1, identifier  # the title, once
        box = figure.locator("canvas").first.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150, identifier
    assert page.locator("#kpi-table tbody tr").count() > 20


def test_the_bars_draw_the_kpis_of_every_scenario(page_of_report, scenarios):
    page, *_ = page_of_report
    kpis = {name: scenarios[name]["kpis"] for name in NAMES}
    cost = source(page, "cost-per-order")
    assert cost["scenario"] == NAMES
    for k, name in enumerate(NAMES):
        assert cost["per_order"][k] == pytest.approx(kpis[name]["cost_per_order"])
        parts = sum(cost[f][k] for f in ("carrier_cost", "handling_cost", "unfilled_cost"))
        parts += sum(cost[f][k] for f in ("dropship_cost", "split_cost", "late_cost"))
        parts += cost["move_cost"][k]  # a re-plan's move penalties are part of its cost (§7)
        assert parts == pytest.approx(kpis[name]["cost_per_order"])
        assert cost["move_cost"][k] == pytest.approx(
            (kpis[name]["move_cost"] or 0) / kpis[name]["orders"]
        ), name
    assert scenarios["w3-down"]["kpis"]["move_cost"] > 0
    checks = {
        "shipments-per-order": ("shipments_per_order", 1),
        "split-share": ("split_order_share", 100),
        "unfilled": ("unfilled_units", 1),
    }
    for name, (metric, scale) in checks.items():
        drawn = source(page, name)
        assert drawn["scenario"] == NAMES
        assert drawn["value"] == pytest.approx([scale * kpis[n][metric] for n in NAMES]), name
    on_time = source(page, "on-time")
    assert on_time["orders"] == pytest.approx([100 * kpis[n]["on_time_order_share"] for n in NAMES])
    methods = source(page, "units-by-method")
    assert methods["s0"] == pytest.approx(
        [100 * kpis[n]["units_by_method"]["parcel"] for n in NAMES]
    )
    for k in range(len(NAMES)):
        assert sum(methods[f"s{i}"][k] for i in range(4)) == pytest.approx(100)
    for name in NAMES:
        batches = source(page, f"batch-time-{name}")
        days = {b["day"]: b["seconds"] for b in scenarios[name]["batches"]}
        assert dict(zip(batches["day"], batches["seconds"])) == pytest.approx(days, abs=1e-3)


def test_the_cost_bars_on_the_screen_end_at_each_scenarios_cost_per_order(
    page_of_report, scenarios
):
    """What is drawn, not only what the page's data says: the stacked bars' screen ends, read
    back through the plot's scale, start at 0 and end at the cost per order, part by part."""
    page, *_ = page_of_report
    parts = [field for field, _ in BAR_PARTS]
    bars = page.evaluate(DRAWN_BARS, "cost-per-order")
    assert len(bars) == len(parts)  # one stacked glyph per cost part
    for k, name in enumerate(NAMES):
        kpis = scenarios[name]["kpis"]
        assert bars[0]["left"][k] == pytest.approx(0, abs=1e-3), name
        for bar, following in itertools.pairwise(bars):
            assert following["left"][k] == pytest.approx(bar["right"][k], abs=1e-3), name
        widths = [bar["right"][k] - bar["left"][k] for bar in bars]
        expected = [(kpis[field] or 0) / kpis["orders"] for field in parts]
        assert widths == pytest.approx(expected, abs=1e-3), name
        assert bars[-1]["right"][k] == pytest.approx(kpis["cost_per_order"], rel=1e-4), name
        assert sum(bar["pixels"][k] for bar in bars) > 100, name  # visible, not a sliver


def test_the_cost_chart_shows_the_bound_of_plans_that_carry_one(page_of_report, scenarios):
    page, *_ = page_of_report
    cost = source(page, "cost-per-order")
    for k, name in enumerate(NAMES):
        kpis = scenarios[name]["kpis"]
        if kpis["bound"] is None:
            assert math.isnan(cost["bound_per_order"][k]), name
        else:
            assert cost["bound_per_order"][k] == pytest.approx(kpis["bound"] / kpis["orders"])
            assert cost["bound_per_order"][k] <= cost["per_order"][k] + 1e-9
    assert cost["against"][0] == ""  # the base
    for k, name in enumerate(NAMES[1:], start=1):
        against = scenarios[name]["cost_against_base"]
        assert cost["against"][k].startswith(f"{100 * against['relative']:+.1f} %"), name
    assert scenarios["base"]["kpis"]["bound"] is not None  # optimal proves one
    assert scenarios["nearest-rule"]["kpis"]["bound"] is None


def test_the_utilisation_view_names_the_busiest_nodes_of_each_scenario(page_of_report, scenarios):
    page, *_ = page_of_report
    grid = source(page, "utilisation")
    drawn = {(s, n): u for s, n, u in zip(grid["scenario"], grid["node_id"], grid["utilisation"])}
    for name in NAMES:
        loads = {x["node_id"]: x for x in scenarios[name]["kpis"]["node_loads"]}
        busiest = max(
            (x for x in loads.values() if x["utilisation"] is not None and x["shipments"]),
            key=lambda x: x["utilisation"],
        )
        assert (name, busiest["node_id"]) in drawn, name
        for (scenario, node), value in drawn.items():
            if scenario == name:
                expected = loads[node]["utilisation"]
                if expected is None:
                    assert math.isnan(value)
                else:
                    assert value == pytest.approx(100 * expected)
    assert any(label.startswith("W1 (warehouse)") for label in grid["node"]) or all(
        n != "W1" for n in grid["node_id"]
    )
    closed = dict(zip(zip(grid["scenario"], grid["node_id"]), grid["text"]))
    if ("close-w1", "W1") in closed:
        assert closed[("close-w1", "W1")] == "closed"


def test_the_map_has_the_states_and_each_scenarios_nodes_and_flows(page_of_report, scenarios):
    page, *_ = page_of_report
    states = source(page, "states")
    assert len(states["xs"]) >= 49  # the contiguous states and DC, some in several parts
    for name in NAMES:
        loads = {x["node_id"]: x for x in scenarios[name]["kpis"]["node_loads"]}
        nodes = source(page, f"map-{name}-nodes")
        assert nodes["units"] == [loads[n]["units"] for n in nodes["node_id"]]
        assert sum(nodes["units"]) == scenarios[name]["kpis"]["units_shipped"]
        flows = source(page, f"map-{name}-flows")
        assert 0 < sum(flows["units"]) <= scenarios[name]["kpis"]["units_shipped"]
        by_units = sorted(zip(flows["units"], flows["width"]))
        assert [w for _, w in by_units] == sorted(w for _, w in by_units)  # wider = more units
    assert "W1" not in source(page, "map-close-w1-nodes")["node_id"]
    assert source(page, "map-close-w1-closed")["node_id"] == ["W1"]


def _shown_on_the_map(page) -> set[str]:
    """The scenarios whose layers are visible on the map."""
    names = page.evaluate(
        """() => Bokeh.documents[0].roots().flatMap((r) => r.children ?? [r])
             .flatMap((r) => r.renderers ?? []).filter((x) => x.visible)
             .map((x) => x.data_source.name).filter((n) => n && n.startsWith('map-'))"""
    )
    return {n.removeprefix("map-").rsplit("-", 1)[0] for n in names}


def _pick_on_the_map(page, name: str) -> None:
    page.locator("#chart-map").get_by_role("button", name=name, exact=True).click()


def test_the_map_shows_the_scenario_picked(page_of_report):
    page, *_ = page_of_report
    assert _shown_on_the_map(page) == {"base"}
    _pick_on_the_map(page, "close-w1")
    assert _shown_on_the_map(page) == {"close-w1"}
    _pick_on_the_map(page, "base")
    assert _shown_on_the_map(page) == {"base"}


def _hover(page, spot: dict[str, float], showing: str) -> str:
    """Move the mouse onto `spot` (twice: the first move enters the canvas), wait for a tooltip
    that shows `showing` and return the text of the tooltips shown."""
    page.mouse.move(spot["x"] - 2, spot["y"])
    page.mouse.move(spot["x"], spot["y"])
    page.locator(".bk-tooltip-content", has_text=showing).first.wait_for(timeout=30_000)
    tips = page.locator(".bk-tooltip-content")
    return " ".join(" ".join(tips.nth(i).inner_text().split()) for i in range(tips.count()))


def test_hovering_a_bar_and_a_node_shows_their_values(page_of_report, scenarios):
    page, *_ = page_of_report
    unfilled = scenarios["close-w1"]["kpis"]["unfilled_units"]
    page.locator("#chart-unfilled").scroll_into_view_if_needed()
    spot = page.evaluate(WHERE_IS, ["unfilled", max(unfilled, 1) / 2, "close-w1"])
    shown = f"units not shipped: {unfilled:,} ("
    assert shown in _hover(page, spot, shown)

    nodes = source(page, "map-base-nodes")
    k = max(range(len(nodes["units"])), key=lambda i: nodes["units"][i])
    page.locator("#chart-map").scroll_into_view_if_needed()
    spot = page.evaluate(WHERE_IS, ["map-base-nodes", nodes["lon"][k], nodes["lat"][k]])
    text = _hover(page, spot, f"{nodes['units'][k]:,} units")
    assert nodes["node_id"][k] in text and f"{nodes['units'][k]:,} units" in text
    page.mouse.move(0, 0)


def test_the_scenario_switch_hides_a_scenario_in_every_chart(page_of_report):
    page, *_ = page_of_report
    box = page.locator(".switch input[type=checkbox]").nth(NAMES.index("close-w1"))
    box.uncheck()
    factors = page.evaluate(
        """() => {
          const doc = Bokeh.documents[0];
          const plot = doc.roots().find((r) => r.renderers &&
            r.renderers.some((x) => x.data_source === doc.get_model_by_name('unfilled')));
          return Array.from(plot.y_range.factors);
        }"""
    )
    assert factors == ["w3-down", "nearest-rule", "base"]  # top to bottom: base first
    visible = page.evaluate(
        """() => Bokeh.documents[0].roots().flatMap((r) => r.renderers ?? [])
             .filter((x) => x.data_source.name === 'batch-time-close-w1')
             .map((x) => x.visible)"""
    )
    assert visible == [False]
    assert page.locator('#kpi-table th[data-scenario="close-w1"]').is_hidden()
    assert page.locator('#kpi-table td[data-scenario="close-w1"]').first.is_hidden()
    box.check()
    assert page.locator('#kpi-table td[data-scenario="close-w1"]').first.is_visible()


def _share_of_colour(image, colour: str) -> float:
    """Share of the image's pixels within a small distance of `colour` (antialiased edges
    blend, so a bar's inside is what counts)."""
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    pixels = image.convert("RGB").getcolors(maxcolors=1 << 22) or []
    near = sum(n for n, rgb in pixels if sum(abs(a - b) for a, b in zip(rgb, target)) <= 12)
    return near / (image.width * image.height)


DATA_COLOURS = {
    "cost-per-order": plots.PART_COLOURS[0],
    "shipments": plots.SCENARIO_COLOURS[0],
    "on-time": plots.SCENARIO_COLOURS[0],
    "unfilled": plots.SCENARIO_COLOURS[1],
    "mix": plots.METHOD_COLOURS[0],
    "batch-time": plots.scenario_colour(0),
}
"""The colour of the first series of each chart: its bars must be on the screenshot."""


def test_every_chart_screenshot_shows_its_data(page_of_report):
    page, *_ = page_of_report
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    assert len(shot.getcolors(maxcolors=1 << 22) or range(1000)) > 50
    for key, colour in DATA_COLOURS.items():
        canvas = page.locator(f"#{chart_id(key)} canvas").first
        canvas.scroll_into_view_if_needed()
        image = Image.open(io.BytesIO(canvas.screenshot()))
        assert _share_of_colour(image, colour) > 0.01, key
    canvas = page.locator(f"#{chart_id('utilisation')} canvas").first
    canvas.scroll_into_view_if_needed()
    heat = Image.open(io.BytesIO(canvas.screenshot()))
    assert sum(_share_of_colour(heat, c) for c in YlOrRd[9]) > 0.2  # the grid's cells
    for name in NAMES:
        _pick_on_the_map(page, name)
        canvas = page.locator("#chart-map canvas").first
        canvas.scroll_into_view_if_needed()
        world = Image.open(io.BytesIO(canvas.screenshot()))
        assert _share_of_colour(world, "#e8ebf0") > 0.2, name  # the states' fill
        assert _share_of_colour(world, plots.KIND_COLOURS["warehouse"]) > 0.0005, name
    _pick_on_the_map(page, "base")


def test_nothing_is_fetched_from_the_network(page_of_report, report):
    _, requested, blocked, _ = page_of_report
    assert blocked == []
    assert requested == [report.as_uri()]
