"""Loading a dataset folder: a valid one loads; every mistake is named by file, row and column."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver import loading
from solver.loading import (
    LoadError,
    load_dataset,
    load_network,
    parse_orders,
    validate_order,
)
from solver.loading import errors as loading_errors
from solver.models import Order

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


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A small valid dataset, written by hand."""
    root = tmp_path / "tiny"
    root.mkdir()
    files = {
        "nodes.csv": NODES,
        "skus.csv": SKUS,
        "inventory.csv": INVENTORY,
        "zones.csv": ZONES,
        "rates.csv": RATES,
        "transit.csv": TRANSIT,
        "settings.json": json.dumps(SETTINGS, indent=2),
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    write_orders(root, [json.dumps(order) for order in ORDERS])
    return root


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- a valid dataset


def test_valid_dataset_loads_with_every_record(folder: Path) -> None:
    result = load_dataset(folder)

    assert result.errors == ()
    dataset = result.dataset
    assert dataset is not None
    assert dataset.name == "tiny"
    network = dataset.network
    assert [n.node_id for n in network.nodes] == ["W1", "S1", "V1", "D1"]
    assert [s.sku for s in network.skus] == ["SKU-1", "SKU-2", "SKU-3"]
    assert int((network.on_hand > 0).sum()) == 5
    assert [z.zone for z in network.zones] == ["Z1", "Z2", "Z3"]
    assert int((network.transit_days >= 0).sum()) == 9
    assert [o.order_id for o in dataset.orders] == ["o-1", "o-2", "o-3"]
    assert network.on_hand[network.node_index["W1"], network.sku_index["SKU-1"]] == 100
    assert network.safety_stock[network.node_index["W1"], network.sku_index["SKU-1"]] == 5


def test_empty_cells_take_their_documented_meaning(folder: Path) -> None:
    network = load_dataset(folder).dataset.network  # type: ignore[union-attr]
    w1, s1, v1 = network.nodes[0], network.nodes[1], network.nodes[2]

    assert w1.same_day_radius_km == 0.0
    assert w1.dropship_fee == 0.0
    assert w1.same_day_capacity is None
    assert s1.max_units_per_day is None
    w1_sku2 = network.node_index["W1"], network.sku_index["SKU-2"]
    assert network.on_hand[w1_sku2] == 40
    assert network.safety_stock[w1_sku2] == 0
    assert network.zones[-1].max_km is None
    assert w1.channels == ("web", "app")
    assert s1.channels == ()
    assert v1.channels == ("web",)


def test_booleans_accept_true_false_1_0_in_any_case(folder: Path) -> None:
    network = load_dataset(folder).dataset.network  # type: ignore[union-attr]
    vendor = network.nodes[2]

    assert (vendor.ships, vendor.pickup, vendor.same_day, vendor.active) == (
        True,
        False,
        False,
        True,
    )


def test_settings_left_out_take_the_model_defaults(folder: Path) -> None:
    write_settings(folder, {"split_penalty": 2.5})

    settings_ = load_dataset(folder).dataset.network.settings  # type: ignore[union-attr]

    assert settings_.split_penalty == 2.5
    assert settings_.courier_base == 7.0
    assert settings_.default_promise_days["pickup"] == 2


def test_byte_order_mark_and_spaces_around_cells_are_tolerated(folder: Path) -> None:
    (folder / "skus.csv").write_text(
        "\ufeffsku , weight_kg,unit_value\n SKU-1 , 1.2 ,20\nSKU-2,0.4,8.5\nSKU-3,3,45\n",
        encoding="utf-8",
    )

    result = load_dataset(folder)

    assert result.errors == ()
    assert result.dataset is not None
    assert result.dataset.network.skus[0].sku == "SKU-1"


def test_nodes_may_leave_out_the_channels_column(folder: Path) -> None:
    rows = read_rows(folder, "nodes.csv")
    write_rows(folder, "nodes.csv", [r[:-1] for r in rows])

    result = load_dataset(folder)

    assert result.errors == ()


def test_blank_order_lines_are_skipped(folder: Path) -> None:
    write_orders(folder, ["", json.dumps(ORDERS[0]), "   ", json.dumps(ORDERS[1]), ""])

    result = load_dataset(folder)

    assert result.errors == ()
    assert len(result.dataset.orders) == 2  # type: ignore[union-attr]


def test_a_pickup_node_that_offers_no_pickup_is_not_a_loading_error(folder: Path) -> None:
    write_orders(folder, [json.dumps(order_with(service="pickup", pickup_node="W1"))])

    assert load_dataset(folder).errors == ()


def test_orders_path_may_point_outside_the_folder(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(ORDERS[1]) + "\n", encoding="utf-8")

    result = load_dataset(folder, orders_path=other)

    assert [o.order_id for o in result.dataset.orders] == ["o-2"]  # type: ignore[union-attr]


def test_load_network_reads_everything_but_orders(folder: Path) -> None:
    (folder / "orders.jsonl").unlink()

    network, errors = load_network(folder)

    assert errors == ()
    assert network is not None
    assert len(network.nodes) == 4


# --------------------------------------------------------------------------- folders and files


def test_missing_folder_is_reported_as_one_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope"

    result = load_dataset(missing)

    assert result.dataset is None
    assert result.errors == (LoadError(str(missing), None, None, "dataset folder not found"),)


@pytest.mark.parametrize("file", [*loading.NETWORK_FILES, "orders.jsonl"])
def test_missing_file_is_named(folder: Path, file: str) -> None:
    (folder / file).unlink()

    error = the_error(folder, file, None, None)

    assert "missing" in error.message


@pytest.mark.parametrize("file", [*loading.NETWORK_FILES, "orders.jsonl"])
def test_empty_file_is_named(folder: Path, file: str) -> None:
    (folder / file).write_text("  \n", encoding="utf-8")

    error = the_error(folder, file, None, None)

    assert "empty" in error.message


def test_missing_orders_file_given_by_path_is_named_by_that_path(
    folder: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "elsewhere.jsonl"

    errors = load_dataset(folder, orders_path=missing).errors

    assert [(e.file, e.row, e.column) for e in errors] == [(str(missing), None, None)]


def test_a_file_that_is_not_utf8_is_named(folder: Path) -> None:
    (folder / "skus.csv").write_bytes(b"sku,weight_kg,unit_value\nSKU-\xff,1,2\n")

    assert "UTF-8" in the_error(folder, "skus.csv", None, None).message


# --------------------------------------------------------------------------- CSV headers


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("nodes.csv", "active"),
        ("nodes.csv", "dropship_fee"),
        ("skus.csv", "unit_value"),
        ("inventory.csv", "on_hand"),
        ("inventory.csv", "safety_stock"),
        ("zones.csv", "max_km"),
        ("rates.csv", "cost"),
        ("transit.csv", "days"),
    ],
)
def test_missing_required_column_is_named(folder: Path, file: str, column: str) -> None:
    rows = read_rows(folder, file)
    at = rows[0].index(column)
    write_rows(folder, file, [r[:at] + r[at + 1 :] for r in rows])

    error = the_error(folder, file, None, column)

    assert "missing" in error.message
    assert all(e.column == column for e in errors_of(folder) if e.file == file)


def test_misspelt_column_is_unknown_and_the_real_one_missing(folder: Path) -> None:
    set_cell(folder, "inventory.csv", 0, "on_hand", "on_hnad")

    errors = [(e.file, e.row, e.column) for e in errors_of(folder)]

    assert errors == [("inventory.csv", None, "on_hnad"), ("inventory.csv", None, "on_hand")]


def test_unknown_extra_column_is_an_error(folder: Path) -> None:
    rows = read_rows(folder, "skus.csv")
    write_rows(folder, "skus.csv", [[*r, "x"] for r in rows])

    error = the_error(folder, "skus.csv", None, "x")

    assert "unknown column" in error.message
    assert "sku, weight_kg, unit_value" in error.message


def test_row_with_more_cells_than_the_header_is_named(folder: Path) -> None:
    rows = read_rows(folder, "skus.csv")
    rows[2].append("oops")
    write_rows(folder, "skus.csv", rows)

    assert "4 cells" in the_error(folder, "skus.csv", 2, None).message


def test_blank_rows_still_count_in_row_numbers(folder: Path) -> None:
    (folder / "skus.csv").write_text(
        "sku,weight_kg,unit_value\nSKU-1,1,20\n\nSKU-2,0.4,8.5\nSKU-3,x,45\n", encoding="utf-8"
    )

    the_error(folder, "skus.csv", 4, "weight_kg")


# --------------------------------------------------------------------------- CSV cells


@pytest.mark.parametrize(
    ("file", "row", "column", "value", "message"),
    [
        ("inventory.csv", 1, "on_hand", "-3", "must be a whole number >= 0 (got '-3')"),
        ("inventory.csv", 2, "on_hand", "2.5", "must be a whole number >= 0 (got '2.5')"),
        ("inventory.csv", 3, "on_hand", "lots", "must be a whole number >= 0 (got 'lots')"),
        ("inventory.csv", 4, "on_hand", "", "is empty; a value is required"),
        ("inventory.csv", 1, "safety_stock", "-1", "must be a whole number >= 0 (got '-1')"),
        ("nodes.csv", 2, "lat", "north", "must be a number between -90 and 90 (got 'north')"),
        ("nodes.csv", 2, "lon", "190", "must be a number between -180 and 180 (got '190')"),
        ("nodes.csv", 1, "processing_days", "1.5", "must be a whole number >= 0 (got '1.5')"),
        ("nodes.csv", 1, "max_orders_per_day", "-1", "must be a whole number >= 0 (got '-1')"),
        ("nodes.csv", 1, "same_day_capacity", "ten", "must be a whole number >= 0 (got 'ten')"),
        ("nodes.csv", 1, "handling_per_order", "", "is empty; a value is required"),
        ("nodes.csv", 1, "node_id", "", "is empty; a value is required"),
        ("nodes.csv", 3, "dropship_fee", "-2", "must be a number >= 0 (got '-2')"),
        ("nodes.csv", 1, "ships", "yes", "must be true or false (or 1 or 0) (got 'yes')"),
        ("nodes.csv", 1, "active", "maybe", "must be true or false (or 1 or 0) (got 'maybe')"),
        (
            "nodes.csv",
            1,
            "kind",
            "depot",
            "must be one of warehouse, store, vendor, dark_store (got 'depot')",
        ),
        ("skus.csv", 2, "weight_kg", "heavy", "must be a number >= 0 (got 'heavy')"),
        ("skus.csv", 2, "unit_value", "-1", "must be a number >= 0 (got '-1')"),
        ("skus.csv", 2, "unit_value", "inf", "must be a finite number (got 'inf')"),
        ("zones.csv", 1, "max_km", "-5", "must be a number >= 0 (got '-5')"),
        ("rates.csv", 1, "service", "air", "must be one of ground, express, next_day (got 'air')"),
        ("rates.csv", 1, "max_kg", "0", "must be a number > 0 (got '0')"),
        ("rates.csv", 1, "cost", "free", "must be a number >= 0 (got 'free')"),
        ("transit.csv", 1, "days", "1.5", "must be a whole number >= 0 (got '1.5')"),
        ("transit.csv", 1, "service", "", "is empty; a value is required"),
    ],
)
def test_bad_cell_names_file_row_and_column(
    folder: Path, file: str, row: int, column: str, value: str, message: str
) -> None:
    set_cell(folder, file, row, column, value)

    assert the_error(folder, file, row, column).message == message


def test_negative_on_hand_names_file_row_and_column(folder: Path) -> None:
    set_cell(folder, "inventory.csv", 4, "on_hand", "-3")

    error = the_error(folder, "inventory.csv", 4, "on_hand")

    assert (
        str(error) == "inventory.csv, row 4, column on_hand: must be a whole number >= 0 (got '-3')"
    )


# --------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    ("file", "column"),
    [
        ("nodes.csv", "node_id"),
        ("skus.csv", "sku"),
        ("inventory.csv", "sku"),
        ("zones.csv", "zone"),
        ("rates.csv", "max_kg"),
        ("transit.csv", "zone"),
    ],
)
def test_duplicate_id_names_its_row_and_the_first_one(folder: Path, file: str, column: str) -> None:
    row = copy_row(folder, file, 1)

    error = the_error(folder, file, row, column)

    assert "duplicate" in error.message
    assert "(first on row 1)" in error.message


def test_rate_bands_written_differently_are_still_duplicates(folder: Path) -> None:
    row = copy_row(folder, "rates.csv", 1)
    set_cell(folder, "rates.csv", row, "max_kg", "5.0")

    assert "first on row 1" in the_error(folder, "rates.csv", row, "max_kg").message


# --------------------------------------------------------------------------- references


def test_inventory_row_with_unknown_node_is_named(folder: Path) -> None:
    set_cell(folder, "inventory.csv", 3, "node_id", "S9")

    assert the_error(folder, "inventory.csv", 3, "node_id").message == (
        "unknown node 'S9' (not in nodes.csv)"
    )


def test_inventory_row_with_unknown_sku_is_named(folder: Path) -> None:
    set_cell(folder, "inventory.csv", 2, "sku", "SKU-9")

    assert the_error(folder, "inventory.csv", 2, "sku").message == (
        "unknown SKU 'SKU-9' (not in skus.csv)"
    )


def test_inventory_may_name_a_node_whose_own_row_is_wrong(folder: Path) -> None:
    set_cell(folder, "nodes.csv", 1, "lat", "x")

    errors = errors_of(folder)

    assert [(e.file, e.row, e.column) for e in errors] == [("nodes.csv", 1, "lat")]


@pytest.mark.parametrize("file", ["rates.csv", "transit.csv"])
def test_carrier_row_with_unknown_zone_is_named(folder: Path, file: str) -> None:
    set_cell(folder, file, 1, "zone", "Z7")

    assert "unknown zone 'Z7'" in the_error(folder, file, 1, "zone").message


def test_rate_without_a_transit_time_is_named(folder: Path) -> None:
    drop_rows(folder, "transit.csv", lambda r: r[:2] != ["express", "Z2"])

    error = the_error(folder, "rates.csv", 9, "zone")

    assert error.message == "no transit time for express in zone 'Z2' in transit.csv"


def test_zone_without_any_rate_is_a_gap_in_the_rate_table(folder: Path) -> None:
    drop_rows(folder, "rates.csv", lambda r: r[1] != "Z2")

    error = the_error(folder, "zones.csv", 2, "zone")

    assert "no rate for any service" in error.message


# --------------------------------------------------------------------------- zones


def test_zones_must_ascend(folder: Path) -> None:
    set_cell(folder, "zones.csv", 2, "max_km", "150")

    error = the_error(folder, "zones.csv", 2, "max_km")

    assert "greater than the previous band's 150 (row 1)" in error.message


def test_only_the_last_zone_may_be_open(folder: Path) -> None:
    set_cell(folder, "zones.csv", 2, "max_km", "")
    set_cell(folder, "zones.csv", 3, "max_km", "900")

    assert "gap" in the_error(folder, "zones.csv", 2, "max_km").message


def test_no_zones_at_all_is_an_error(folder: Path) -> None:
    write_rows(folder, "zones.csv", [["zone", "max_km"]])

    assert "no zones" in the_error(folder, "zones.csv", None, None).message


# --------------------------------------------------------------------------- settings


def test_settings_with_invalid_json_give_line_and_column(folder: Path) -> None:
    (folder / "settings.json").write_text('{\n  "split_penalty": 4.0,\n}\n', encoding="utf-8")

    error = the_error(folder, "settings.json", None, None)

    assert error.message.startswith("invalid JSON at line 3, column 1")


@pytest.mark.parametrize(
    ("content", "column", "message"),
    [
        ({"split_penalti": 4}, "split_penalti", "unknown setting"),
        ({"split_penalty": "high"}, "split_penalty", "must be a number >= 0 (got 'high')"),
        ({"courier_base": -1}, "courier_base", "must be a number >= 0 (got -1)"),
        (
            {"default_promise_days": {"ground": 5, "express": 2, "next_day": 1, "same_day": 0}},
            "default_promise_days",
            "missing promise days for pickup",
        ),
        (
            {"default_promise_days": {**SETTINGS["default_promise_days"], "ground": "five"}},
            "default_promise_days.ground",
            "must be a whole number (got 'five')",
        ),
        (
            {"default_promise_days": {**SETTINGS["default_promise_days"], "drone": 1}},
            "default_promise_days.drone",
            "must be one of ground, express, next_day, same_day, pickup (got 'drone')",
        ),
    ],
)
def test_bad_setting_names_its_key(folder: Path, content: dict, column: str, message: str) -> None:
    write_settings(folder, content)

    assert the_error(folder, "settings.json", None, column).message.startswith(message)


def test_settings_must_be_an_object(folder: Path) -> None:
    write_settings(folder, [1, 2])

    assert "JSON object" in the_error(folder, "settings.json", None, None).message


# --------------------------------------------------------------------------- orders


def test_order_line_with_invalid_json_names_its_line(folder: Path) -> None:
    write_orders(folder, [json.dumps(ORDERS[0]), '{"order_id": "o-2",', json.dumps(ORDERS[2])])

    assert "invalid JSON" in the_error(folder, "orders.jsonl", 2, None).message


def test_order_line_that_is_not_an_object_is_named(folder: Path) -> None:
    write_orders(folder, [json.dumps(ORDERS[0]), "[1, 2]"])

    assert the_error(folder, "orders.jsonl", 2, None).message == (
        "must be a JSON object (got a list)"
    )


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"lines": [{"line_id": "1", "sku": "SKU-1", "qty": -1}]},
            "lines[0].qty",
            "must be a whole number > 0 (got -1)",
        ),
        (
            {"lines": [{"line_id": "1", "sku": "SKU-1", "qty": 1.5}]},
            "lines[0].qty",
            "must be a whole number > 0 (got 1.5)",
        ),
        ({"lines": []}, "lines", "must be a non-empty list (got [])"),
        ({"customer": {"lat": 95, "lon": 0}}, "customer.lat", "must be a number between -90"),
        ({"service": "drone"}, "service", "must be one of ground, express, next_day, same_day"),
        ({"channel": 5}, "channel", "must be text (got 5)"),
        ({"promise_days": -1}, "promise_days", "must be a whole number >= 0 (got -1)"),
        ({"max_shipments": 0}, "max_shipments", "must be a whole number >= 1 (got 0)"),
        ({"order_id": ""}, "order_id", "must be non-empty text (got '')"),
        ({"gift": True}, "gift", "is not a known field"),
        ({"service": "pickup"}, "pickup_node", "a pickup order needs a pickup_node"),
        ({"pickup_node": "S9"}, "pickup_node", "unknown node 'S9'"),
        (
            {"lines": [{"line_id": "1", "sku": "SKU-1", "qty": 1}, {"line_id": "2", "sku": "X"}]},
            "lines[1].sku",
            "unknown SKU 'X'",
        ),
        (
            {"lines": [{"line_id": "1", "sku": "SKU-1", "qty": 1}, {"line_id": "2", "sku": "X"}]},
            "lines[1].qty",
            "is required",
        ),
        (
            {
                "lines": [
                    {"line_id": "1", "sku": "SKU-1", "qty": 1},
                    {"line_id": "1", "sku": "SKU-2", "qty": 1},
                ]
            },
            "lines[1].line_id",
            "duplicate line_id '1' in this order (first in lines[0])",
        ),
    ],
)
def test_bad_order_names_its_line_and_field(
    folder: Path, changes: dict, column: str, message: str
) -> None:
    order = order_with(**changes)
    write_orders(folder, [json.dumps(ORDERS[1]), json.dumps(order)])

    assert the_error(folder, "orders.jsonl", 2, column).message.startswith(message)


def test_order_without_customer_names_the_field(folder: Path) -> None:
    order = order_with()
    del order["customer"]
    write_orders(folder, [json.dumps(order)])

    assert the_error(folder, "orders.jsonl", 1, "customer").message == "is required"


def test_duplicate_order_id_names_both_lines(folder: Path) -> None:
    write_orders(folder, [json.dumps(o) for o in (*ORDERS, ORDERS[1])])

    error = the_error(folder, "orders.jsonl", 4, "order_id")

    assert error.message == "duplicate order_id 'o-2' (first on line 2)"


def test_pickup_order_without_store_and_with_a_bad_qty_reports_both(folder: Path) -> None:
    order = order_with(service="pickup", lines=[{"line_id": "1", "sku": "SKU-1", "qty": 0}])
    write_orders(folder, [json.dumps(order)])

    errors = [(e.row, e.column) for e in errors_of(folder)]

    assert sorted(errors, key=str) == [(1, "lines[0].qty"), (1, "pickup_node")]


def test_order_error_reads_as_a_sentence(folder: Path) -> None:
    order = order_with(lines=[{"line_id": "1", "sku": "SKU-1", "qty": -1}])
    write_orders(folder, [json.dumps(order)])

    error = the_error(folder, "orders.jsonl", 1, "lines[0].qty")

    assert (
        str(error)
        == "orders.jsonl, line 1, field lines[0].qty: must be a whole number > 0 (got -1)"
    )


# --------------------------------------------------------------------------- all at once


def test_several_mistakes_in_several_files_are_all_reported_at_once(folder: Path) -> None:
    set_cell(folder, "nodes.csv", 2, "kind", "depot")
    set_cell(folder, "inventory.csv", 1, "on_hand", "-3")
    set_cell(folder, "inventory.csv", 5, "sku", "SKU-9")
    set_cell(folder, "zones.csv", 2, "max_km", "100")
    (folder / "transit.csv").unlink()
    write_settings(folder, {"split_penalty": -1})
    bad_qty = order_with(order_id="o-9", lines=[{"line_id": "1", "sku": "SKU-1", "qty": 0}])
    write_orders(folder, [json.dumps(ORDERS[0]), "not json", json.dumps(bad_qty)])

    result = load_dataset(folder)

    assert result.dataset is None
    assert [(e.file, e.row, e.column) for e in result.errors] == [
        ("nodes.csv", 2, "kind"),
        ("inventory.csv", 1, "on_hand"),
        ("inventory.csv", 5, "sku"),
        ("zones.csv", 2, "max_km"),
        ("transit.csv", None, None),
        ("settings.json", None, "split_penalty"),
        ("orders.jsonl", 2, None),
        ("orders.jsonl", 3, "lines[0].qty"),
    ]


def test_errors_beyond_the_cap_are_counted(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading_errors, "MAX_ERRORS_PER_FILE", 2)
    for row in (1, 2, 3, 4):
        set_cell(folder, "inventory.csv", row, "on_hand", "-1")

    errors = errors_of(folder)

    assert [(e.row, e.message) for e in errors][-1] == (None, "2 more errors not listed")
    assert len(errors) == 3


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    file=st.sampled_from(["nodes.csv", "skus.csv", "inventory.csv", "zones.csv", "rates.csv"]),
    row=st.integers(min_value=0, max_value=3),
    column=st.integers(min_value=0, max_value=20),
    value=st.text(max_size=8),
)
def test_any_garbage_cell_gives_errors_never_a_traceback(
    folder: Path, file: str, row: int, column: int, value: str
) -> None:
    original = (folder / file).read_bytes()
    try:
        rows = read_rows(folder, file)
        rows[row][column % len(rows[row])] = value
        write_rows(folder, file, rows)

        result = load_dataset(folder)

        assert (result.dataset is None) == bool(result.errors)
    finally:
        (folder / file).write_bytes(original)


# --------------------------------------------------------------------------- the API helpers


def test_parse_orders_checks_lines_against_a_network(folder: Path) -> None:
    network, _ = load_network(folder)
    assert network is not None
    lines = [json.dumps(ORDERS[0]), "", json.dumps(order_with(order_id="o-2", pickup_node="Q"))]

    orders, errors = parse_orders(lines, network, "request")

    assert [o.order_id for o in orders] == ["o-1"]
    assert errors == (LoadError("request", 3, "pickup_node", "unknown node 'Q'"),)


def test_validate_order_reports_unknown_skus_and_pickup_node(folder: Path) -> None:
    network, _ = load_network(folder)
    assert network is not None
    order = Order.model_validate(
        order_with(
            service="pickup",
            pickup_node="S9",
            lines=[
                {"line_id": "1", "sku": "SKU-1", "qty": 1},
                {"line_id": "2", "sku": "SKU-X", "qty": 1},
            ],
        )
    )

    errors = validate_order(order, network, "POST /orders", None)

    assert [(e.column, e.message) for e in errors] == [
        ("pickup_node", "unknown node 'S9'"),
        ("lines[1].sku", "unknown SKU 'SKU-X'"),
    ]
    assert str(errors[0]) == "POST /orders, field pickup_node: unknown node 'S9'"
