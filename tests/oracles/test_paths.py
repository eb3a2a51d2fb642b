"""The samples reach the hard paths: an oracle test on trivial orders would prove nothing.

Floors a little under the measured shares (see `paths.py`, and docs/testing.md for the
figures): if a change to the generators makes orders stop splitting, same-day stop being
chosen or guards stop binding, this fails instead of the oracle tests passing on easy cases.
"""

from __future__ import annotations

import pytest

from tests.oracles.paths import order_paths, scattered_paths

ORDER_FLOORS = {
    "ships": 0.75,
    "splits": 0.18,
    "three or more shipments": 0.02,
    "same_day": 0.07,
    "pickup": 0.05,
    "transfer": 0.07,
    "kit": 0.08,
    "partly unfilled": 0.25,
    "split guard binds": 0.04,
    "shipment cap binds": 0.05,
    "settled by the per-order MIP": 0.15,
    "split, settled by the enumeration": 0.03,
}
SCATTERED_FLOORS = {"split, settled by the enumeration": 0.07}


@pytest.fixture(scope="module")
def orders():
    return order_paths()


@pytest.mark.parametrize("path", ORDER_FLOORS)
def test_the_order_sample_reaches_each_path(orders, path: str) -> None:
    assert orders.share(path) >= ORDER_FLOORS[path], (
        f"{path}: {orders.counts[path]} of {orders.total} orders"
    )


def test_the_enumeration_settles_splits_itself() -> None:
    """Orders the enumeration of the per-order solver decides as a split, without its MIP (the
    path that used to decide no final answer in the old sample)."""
    scattered = scattered_paths()
    for path, floor in SCATTERED_FLOORS.items():
        assert scattered.share(path) >= floor, (
            f"{path}: {scattered.counts[path]} of {scattered.total}"
        )
