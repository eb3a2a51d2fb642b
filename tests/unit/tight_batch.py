"""A small tight batch (300 orders competing for 12 stores' stock), generated once a module."""

from __future__ import annotations

from pathlib import Path

from solver.generate import generate_dataset
from solver.loading import load_dataset
from solver.network import Dataset


def tight_dataset(folder: Path) -> Dataset:
    generate_dataset(folder, orders=300, stores=12, skus=40, seed=5, tight=True)
    dataset = load_dataset(folder).dataset
    assert dataset is not None
    return dataset
