"""The master LP kept between column-generation rounds (solver/strategies/master.py): a master
built warm (spare columns, so GLOP can start from its last basis) gives the same LP optimum as
one built plain, round after round, including when its spare columns run out."""

from __future__ import annotations

import numpy as np
import pytest

from solver.ledger import Ledger
from solver.network import UNLIMITED
from solver.strategies.master import Column, MasterLp
from tests.unit.test_neighbourhoods import random_pool


def stock_ledger(limits: dict[tuple[str, int, int], int], nodes: int) -> Ledger:
    stock = np.full((nodes, 1), UNLIMITED, dtype=np.int64)
    for (_, node, _), limit in limits.items():
        stock[node, 0] = limit
    unlimited = np.full(nodes, UNLIMITED, dtype=np.int64)
    return Ledger(stock, unlimited.copy(), unlimited.copy(), unlimited.copy())


@pytest.mark.parametrize("seed", range(4))
def test_a_warm_master_solves_every_round_like_a_plain_one(seed: int) -> None:
    orders, nodes = 40, 12
    columns, limits = random_pool(seed, orders=orders, per_order=6, resources=nodes)
    ledger = stock_ledger(limits, nodes)
    plain, warm = MasterLp(orders, ledger), MasterLp(orders, ledger, spare=17)
    rounds = [columns[k : k + 50] for k in range(0, len(columns), 50)]
    # The first round must give every order a column: its costly empty plan.
    first = [c for c in columns if not c.usage]
    rounds = [first] + [[c for c in r if c.usage] for r in rounds]
    added_so_far: list[Column] = []
    for added in rounds:
        added_so_far += added
        plain.add(added)
        warm.add(added)
        a, b = plain.solve(), warm.solve()
        assert a is not None and b is not None
        assert b.value == pytest.approx(a.value, rel=1e-9)
        assert warm.size == plain.size
        assert len(b.values) == warm.size
        # The warm answer is a feasible LP answer over exactly the columns added so far.
        per_order = np.zeros(orders)
        used: dict[tuple[str, int, int], float] = {}
        for col, x in zip(added_so_far, b.values, strict=True):
            per_order[col.order] += x
            for r, amount in col.usage:
                used[r] = used.get(r, 0.0) + amount * x
        assert per_order == pytest.approx(np.ones(orders))
        assert all(amount <= limits[r] + 1e-6 for r, amount in used.items())
        assert sum(c.cost * x for c, x in zip(added_so_far, b.values, strict=True)) == (
            pytest.approx(b.value)
        )


def test_a_warm_master_says_when_its_next_solve_starts_over() -> None:
    """The second solve (the first without presolve) and the first after more spares were made
    start from scratch; the others start from the last basis."""
    orders, nodes = 10, 4
    columns, limits = random_pool(3, orders=orders, per_order=4, resources=nodes)
    master = MasterLp(orders, stock_ledger(limits, nodes), spare=5)
    empties = [c for c in columns if not c.usage]
    others = [c for c in columns if c.usage]
    master.add(empties)
    assert not master.cold_without_presolve  # the first solve keeps presolve
    assert master.solve() is not None
    assert master.cold_without_presolve
    master.add(others[:3])  # fits in the 5 spares made with the first columns
    assert master.solve() is not None
    assert not master.cold_without_presolve
    master.add(others[3:5])
    assert not master.cold_without_presolve
    master.add(others[5:12])  # more than the spares left: more are made
    assert master.cold_without_presolve
    assert master.solve() is not None
    assert not master.cold_without_presolve
    assert not MasterLp(orders, stock_ledger(limits, nodes)).cold_without_presolve
