"""Loading a dataset folder: a valid one loads; missing files and folders are named; every
mistake is reported at once; the helpers the API uses."""

from __future__ import annotations

import json
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
from tests.unit.loading.tiny_dataset import (
    ORDERS,
    errors_of,
    order_with,
    read_rows,
    set_cell,
    the_error,
    write_orders,
    write_rows,
    write_settings,
)

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
