"""report.html in a real headless Chromium: it renders, every chart is there with a size, the
screenshot is not blank, and the page asks the network for nothing."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from omniroute.whatif import run_whatif, write_outputs
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

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
Image = pytest.importorskip("PIL.Image")

SCENARIOS = """
base: {{dataset: {demo}, changes: [{{kind: spread_days, days: 2}}]}}
defaults: {{strategy: myopic}}
scenarios:
  close-w1:
    changes: [{{kind: close_nodes, nodes: [W1]}}]
  nearest-rule: {{strategy: nearest}}
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    path = folder / "w.yaml"
    path.write_text(SCENARIOS.format(demo=DEMO))
    result = run_whatif(path, folder / "out", None, 1, Console(quiet=True))
    return write_outputs(result, folder / "out")["report.html"]


@pytest.fixture(scope="module")
def page_of_report(report):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        requested: list[str] = []
        blocked: list[str] = []

        def only_the_file(route):
            url = route.request.url
            requested.append(url)
            if url.startswith("file://"):
                route.continue_()
            else:
                blocked.append(url)
                route.abort()

        page.route("**/*", only_the_file)
        page.goto(report.as_uri(), wait_until="load")
        yield page, requested, blocked
        browser.close()


def expected_chart_ids() -> list[str]:
    return [chart_id(key) for key, _, _ in CHARTS] + [
        chart_id(f"map-{name}") for name in ("base", "close-w1", "nearest-rule")
    ]


def test_every_chart_renders_with_a_size(page_of_report):
    page, _, _ = page_of_report
    assert page.title() == "What-if report: w"
    for identifier in expected_chart_ids():
        figure = page.locator(f"figure.chart#{identifier}")
        assert figure.count() == 1, identifier
        box = figure.locator("svg, img").first.bounding_box()
        assert box is not None and box["width"] > 200 and box["height"] > 100, identifier
    images = page.locator("figure.chart img")
    assert images.count() == 3
    for i in range(images.count()):
        assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.locator("#kpi-table tbody tr").count() > 20


def test_the_screenshot_is_not_blank(page_of_report):
    page, _, _ = page_of_report
    shot = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    colours = shot.getcolors(maxcolors=1 << 20)
    assert colours is None or len(colours) > 50
    chart = Image.open(io.BytesIO(page.locator("#chart-map-base").screenshot())).convert("L")
    low, high = chart.getextrema()
    assert high - low > 100  # dark nodes and lines on a light page


def test_nothing_is_fetched_from_the_network(page_of_report, report):
    _, requested, blocked = page_of_report
    assert blocked == []
    assert requested == [report.as_uri()]
