"""A small valid dataset written by hand, and helpers that break it one cell at a time."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from solver.loading import (
    LoadError,
    load_dataset,
)

NODES = """\
node_id,kind,lat,lon,ships,pickup,same_day,same_day_radius_km,processing_days,handling_per_order,handling_per_unit,dropship_fee,max_orders_per_day,max_units_per_day,same_day_capacity,active,channels
W1,warehouse,40.0,-75.0,true,false,false,,1,2.5,0.2,,1000,5000,,true,web;app
S1,store,40.75,-73.99,true,true,true,15,0,1.5,0.3,,50,,10,true,
V1,vendor,41.0,-80.0,TRUE,False,0,,2,0,0,3.5,,,,1, web ; ;
D1,dark_store,40.7,-74.0,true,false,true,10,0,1,0.1,0,,,,true,
"""

SKUS = """\
sku,weight_kg,unit_value
SKU-1,1.2,20
SKU-2,0.4,8.5
SKU-3,3,45
"""

INVENTORY = """\
node_id,sku,on_hand,safety_stock
W1,SKU-1,100,5
W1,SKU-2,40,
S1,SKU-1,3,1
V1,SKU-3,10,0
D1,SKU-2,5,0
"""

ZONES = """\
zone,max_km
Z1,150
Z2,600
Z3,
"""

SERVICES = ("ground", "express", "next_day")

RATES = "service,zone,max_kg,cost\n" + "".join(
    f"{service},{zone},{max_kg},{base + 2 * z + (max_kg // 10)}\n"
    for base, service in zip((5, 9, 14), SERVICES, strict=True)
    for z, zone in enumerate(("Z1", "Z2", "Z3"))
    for max_kg in (5, 20)
)

TRANSIT = "service,zone,days\n" + "".join(
    f"{service},{zone},{days + z}\n"
    for days, service in zip((3, 2, 1), SERVICES, strict=True)
    for z, zone in enumerate(("Z1", "Z2", "Z3"))
)

SETTINGS = {
    "split_penalty": 4.0,
    "late_penalty_per_day": 6,
    "default_promise_days": {"ground": 5, "express": 2, "next_day": 1, "same_day": 0, "pickup": 2},
}

ORDERS = [
    {
        "order_id": "o-1",
        "created_at": "2026-11-20T14:03:00Z",
        "channel": "web",
        "customer": {"lat": 40.75, "lon": -73.99},
        "service": "ground",
        "lines": [{"line_id": "1", "sku": "SKU-1", "qty": 2}],
    },
    {
        "order_id": "o-2",
        "customer": {"lat": 40.7, "lon": -74.0},
        "service": "pickup",
        "pickup_node": "S1",
        "lines": [{"line_id": "1", "sku": "SKU-1", "qty": 1}],
    },
    {
        "order_id": "o-3",
        "customer": {"lat": 41.5, "lon": -81.0},
        "service": "express",
        "max_shipments": 2,
        "lines": [
            {"line_id": "1", "sku": "SKU-2", "qty": 1, "group": "kit"},
            {"line_id": "2", "sku": "SKU-3", "qty": 1, "group": "kit"},
            {"line_id": "3", "sku": "SKU-1", "qty": 4},
        ],
    },
]


def write_orders(folder: Path, lines: list[str]) -> None:
    (folder / "orders.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_rows(folder: Path, file: str) -> list[list[str]]:
    with (folder / file).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(folder: Path, file: str, rows: list[list[str]]) -> None:
    with (folder / file).open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def set_cell(folder: Path, file: str, row: int, column: str, value: str) -> None:
    """Set a cell by data row (1-based, the header is row 0) and column name."""
    rows = read_rows(folder, file)
    rows[row][rows[0].index(column)] = value
    write_rows(folder, file, rows)


def copy_row(folder: Path, file: str, row: int) -> int:
    """Append a copy of a data row; return the new row's number."""
    rows = read_rows(folder, file)
    rows.append(list(rows[row]))
    write_rows(folder, file, rows)
    return len(rows) - 1


def drop_rows(folder: Path, file: str, keep: Callable[[list[str]], bool]) -> None:
    rows = read_rows(folder, file)
    write_rows(folder, file, [rows[0], *(r for r in rows[1:] if keep(r))])


def write_settings(folder: Path, content: object) -> None:
    (folder / "settings.json").write_text(json.dumps(content), encoding="utf-8")


def errors_of(folder: Path) -> tuple[LoadError, ...]:
    result = load_dataset(folder)
    assert result.dataset is None, "no dataset may be returned when there is an error"
    assert result.errors
    return result.errors


def the_error(folder: Path, file: str, row: int | None, column: str | None) -> LoadError:
    """The one error at exactly this place; fails listing all errors otherwise."""
    errors = errors_of(folder)
    found = [e for e in errors if (e.file, e.row, e.column) == (file, row, column)]
    assert len(found) == 1, "\n".join(str(e) for e in errors)
    return found[0]


def order_with(**changes: object) -> dict:
    order = json.loads(json.dumps(ORDERS[0]))
    order.update(changes)
    return order
