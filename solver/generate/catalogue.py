"""The SKUs: weights, values and a long-tail (Zipf) popularity."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from solver.generate.arrays import FloatArray, IntArray
from solver.generate.calibration import UNIT_VALUE_RANGE, ZIPF_EXPONENT


@dataclass(frozen=True)
class Catalogue:
    """The SKUs as arrays, in id order (`SKU-00001` first)."""

    sku_ids: list[str]
    weight_kg: FloatArray
    unit_value: FloatArray
    rank: IntArray
    """Popularity rank of each SKU, 0 = best seller (not the id order)."""
    popularity: FloatArray
    """Probability that an order line is this SKU."""


def build_catalogue(count: int, rng: np.random.Generator) -> Catalogue:
    """SKUs with log-normal weights (a bulky minority) and values; Zipf popularity."""
    bulky = rng.random(count) < 0.07
    weight = np.where(
        bulky, rng.lognormal(math.log(15.0), 0.35, count), rng.lognormal(0.0, 0.9, count)
    )
    weight = np.round(np.clip(weight, 0.05, 68.0), 2)
    # Heavier goods tend to cost more; the log-normal spread dominates.
    log_value = math.log(30.0) + rng.normal(0.0, 0.8, count) + 0.25 * np.log(weight)
    value = np.round(np.clip(np.exp(log_value), *UNIT_VALUE_RANGE), 2)
    rank = rng.permutation(count).astype(np.int64)
    popularity = (rank + 1.0) ** -ZIPF_EXPONENT
    width = max(5, len(str(count)))
    return Catalogue(
        sku_ids=[f"SKU-{i:0{width}d}" for i in range(1, count + 1)],
        weight_kg=weight,
        unit_value=value,
        rank=rank,
        popularity=popularity / popularity.sum(),
    )
