"""The network files cross-checked: unknown ids, zones that ascend, rates and transit times,
settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.loading.tiny_dataset import (
    SETTINGS,
    drop_rows,
    errors_of,
    set_cell,
    the_error,
    write_rows,
    write_settings,
)

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

    assert "greater than the previous band's 150 (line 2)" in error.message


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
