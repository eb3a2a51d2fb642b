"""CSV files: headers, cells and duplicate keys, each mistake named by file, row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.loading.tiny_dataset import (
    copy_row,
    errors_of,
    read_rows,
    set_cell,
    the_error,
    write_rows,
)

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


def test_negative_on_hand_names_file_line_and_column(folder: Path) -> None:
    set_cell(folder, "inventory.csv", 4, "on_hand", "-3")

    error = the_error(folder, "inventory.csv", 4, "on_hand")

    # Data row 4 is the file's line 5: the header is line 1.
    assert (
        str(error)
        == "inventory.csv, line 5, column on_hand: must be a whole number >= 0 (got '-3')"
    )


def test_positions_are_the_files_own_lines_past_blank_lines_and_multi_line_cells(
    folder: Path,
) -> None:
    path = folder / "skus.csv"
    header, first, *rest = path.read_text().splitlines()
    name = first.split(",")[0]
    # A blank line, then the first row again with its id quoted over two lines of text.
    moved = f'"{name}\n",' + ",".join(first.split(",")[1:])
    path.write_text("\n".join([header, first, "", moved, "SKU-BAD,-1,3", *rest]) + "\n")

    messages = [str(e) for e in errors_of(folder) if e.file == "skus.csv"]

    assert any(m.startswith("skus.csv, line 6, column weight_kg: ") for m in messages), messages


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
    assert "(first on line 2)" in error.message  # data row 1: the line under the header


def test_rate_bands_written_differently_are_still_duplicates(folder: Path) -> None:
    row = copy_row(folder, "rates.csv", 1)
    set_cell(folder, "rates.csv", row, "max_kg", "5.0")

    assert "first on line 2" in the_error(folder, "rates.csv", row, "max_kg").message
