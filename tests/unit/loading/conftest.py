"""The `folder` fixture: a fresh copy of the tiny dataset for each test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.loading.tiny_dataset import (
    INVENTORY,
    NODES,
    ORDERS,
    RATES,
    SETTINGS,
    SKUS,
    TRANSIT,
    ZONES,
    write_orders,
)


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
