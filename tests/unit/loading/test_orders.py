"""The orders file: each bad line named by its number and field, as a sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.loading.tiny_dataset import (
    ORDERS,
    errors_of,
    order_with,
    the_error,
    write_orders,
)

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
