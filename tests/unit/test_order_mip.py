"""The per-order MIP's weight bands: each run of equal cost in a node's cost-by-weight curve is
one band, so the MIP prices a shipment by the band its weight falls in, as `price_order` does by
its billable kg."""

from __future__ import annotations

import math

import numpy as np

from solver.order_mip import _weight_bands

INF = math.inf


def test_bands_are_runs_of_equal_cost_from_one_kg() -> None:
    """Column 0 (0 kg) is never a billable weight (spec §3: at least 1 kg), so it starts no
    band even when priced; equal costs next to each other share a band."""
    curve = np.array([1.0, 5.0, 5.0, 7.0, 7.0, 7.0, 9.0])
    assert _weight_bands(curve) == [(2, 5.0, 1), (5, 7.0, 3), (6, 9.0, 6)]


def test_a_weight_no_method_takes_splits_equal_costs_into_two_bands() -> None:
    """A column with no rate (infinite) between two columns of the same cost is a gap: a band
    never spans it, and the curve goes on after it (a method whose rate table starts heavier)."""
    curve = np.array([INF, 5.0, 5.0, INF, 5.0, 5.0, INF, INF, 8.0])
    assert _weight_bands(curve) == [(2, 5.0, 1), (5, 5.0, 4), (8, 8.0, 8)]


def test_a_curve_with_no_rate_has_no_band() -> None:
    assert _weight_bands(np.array([INF, INF, INF])) == []
