"""`--data-dir`: the embedded store survives a restart (orders, stock, reservations, what-if
files), saved on stop and restored on start through the DynamoDB and S3 APIs; without it a
restart starts from the dataset again."""

from __future__ import annotations

import json
import multiprocessing
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from omniroute.cli import app
from omniroute.local import snapshots
from omniroute.local.stack import start_local_stack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders


def stock(api: ApiClient, sku: str) -> dict[str, Any]:
    reply = api.get(f"/v1/inventory/{sku}")
    assert reply.status == 200, reply.body
    return {row["node_id"]: row for row in reply.body["nodes"]}


def test_a_restart_with_a_data_dir_keeps_orders_and_stock(tmp_path: Path) -> None:
    order = {**demo_orders()[2], "order_id": "kept-1"}
    sku = order["lines"][0]["sku"]
    first = start_local_stack(workers=1, data_dir=tmp_path)
    try:
        assert first.restored is None  # nothing saved yet: the demo dataset was loaded
        api = ApiClient(first.url)
        placed = api.post("/v1/orders", order)
        assert placed.status == 201, placed.body
        node = placed.body["shipments"][0]["node_id"]
        feed = {"rows": [{"node_id": node, "sku": sku, "on_hand": 77}]}
        assert api.put("/v1/inventory", feed).status == 200
        stock_before = stock(api, sku)
        api.close()
    finally:
        first.stop()
    assert first.saved is not None and first.saved.items["orders"] == 1
    assert snapshots.has_snapshot(tmp_path)

    second = start_local_stack(workers=1, data_dir=tmp_path)
    try:
        assert second.restored is not None
        assert second.restored.items == first.saved.items
        api = ApiClient(second.url)
        again = api.get("/v1/orders/kept-1")
        assert again.status == 200, again.body
        assert again.body["shipments"] == placed.body["shipments"]
        assert stock(api, sku) == stock_before
        assert stock_before[node]["on_hand"] == 77
        assert stock_before[node]["reserved"] > 0
        api.close()
    finally:
        second.stop()
    assert len(list(tmp_path.glob("snapshot-*"))) == 1  # the older snapshot is removed


def test_without_a_data_dir_a_restart_forgets_every_order() -> None:
    order = {**demo_orders()[2], "order_id": "forgotten-1"}
    first = start_local_stack(workers=1)
    try:
        api = ApiClient(first.url)
        assert api.post("/v1/orders", order).status == 201
        api.close()
    finally:
        first.stop()
    second = start_local_stack(workers=1)
    try:
        api = ApiClient(second.url)
        assert api.get("/v1/orders/forgotten-1").status == 404
        api.close()
    finally:
        second.stop()


def test_a_snapshot_round_trips_binary_and_nested_values() -> None:
    value = {
        "M": {
            "b": {"B": b"\x00\xff"},
            "bs": {"BS": [b"a", b"\x01"]},
            "l": {"L": [{"N": "1"}, {"B": b"x"}]},
            "s": {"S": "text"},
        }
    }
    as_text = snapshots._to_text(value)
    assert json.loads(json.dumps(as_text)) == as_text
    assert snapshots._from_text(as_text) == value


def test_a_data_dir_that_names_no_snapshot_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / snapshots.CURRENT).write_text("snapshot-missing\n")
    with pytest.raises(snapshots.SnapshotError, match="holds no snapshot"):
        snapshots._current_folder(tmp_path)


def test_serve_refuses_a_dataset_with_a_data_dir_that_holds_a_store(tmp_path: Path) -> None:
    (tmp_path / snapshots.CURRENT).write_text("snapshot-x\n")
    result = CliRunner().invoke(
        app, ["serve", "--data-dir", str(tmp_path), "--dataset", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "already holds a saved store" in " ".join(result.output.split())


def test_a_stack_that_cannot_start_leaves_nothing_running() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            start_local_stack(port=taken.getsockname()[1], workers=1)
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("omniroute-")]
    again = start_local_stack(workers=1)  # and the process can start a stack afterwards
    again.stop()
