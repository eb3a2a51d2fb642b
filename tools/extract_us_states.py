"""Write solver/report/us_states.json: simplified outlines of the 48 contiguous states and DC,
the backdrop of the report's maps.

    pip install bokeh_sampledata shapely && python tools/extract_us_states.py

Source: `bokeh_sampledata.us_states` (the Bokeh project's sample data, BSD-3-Clause), whose
geometry is the U.S. Census Bureau's TIGER/Line state boundaries (2009 release; not
copyrighted, free to use with acknowledgement to the Census Bureau as the source). Each state
is simplified with shapely (Douglas-Peucker, `TOLERANCE_DEGREES`), islands smaller than
`MIN_AREA` square degrees are dropped, and coordinates are rounded to 0.01° (about 1 km):
about 2,150 points, 33 kB, small enough to embed in every report. Committed output, so the
report needs neither package at run time.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from bokeh_sampledata.us_states import records

TOLERANCE_DEGREES = 0.02
MIN_AREA = 0.005
NOT_CONTIGUOUS = frozenset({"AK", "HI", "PR"})
OUT = Path(__file__).resolve().parents[1] / "solver" / "report" / "us_states.json"


def outline(geometry: shapely.Geometry) -> list[list[list[float]]]:
    """Exterior rings of the simplified geometry as [[lon, lat], ...] lists."""
    simple = shapely.simplify(geometry, TOLERANCE_DEGREES, preserve_topology=True)
    polygons = [simple] if simple.geom_type == "Polygon" else list(simple.geoms)
    return [
        [[round(x, 2), round(y, 2)] for x, y in polygon.exterior.coords]
        for polygon in polygons
        if polygon.area >= MIN_AREA
    ]


def main() -> None:
    states = [
        {"code": r["code"], "name": r["name"], "rings": outline(r["geometry"])}
        for r in sorted(records(), key=lambda r: r["code"])
        if r["code"] not in NOT_CONTIGUOUS
    ]
    document = {
        "source": "U.S. Census Bureau, TIGER/Line state boundaries (2009), via "
        "bokeh_sampledata.us_states; simplified by tools/extract_us_states.py",
        "states": states,
    }
    OUT.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(ring) for s in states for ring in s["rings"])
    print(f"{OUT.name}: {len(states)} states, {points:,} points, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
