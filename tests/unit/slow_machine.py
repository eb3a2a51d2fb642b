"""A machine three times slower whose clock also runs three times fast, for tests that a plan
depends on its work budget only."""

from __future__ import annotations

import time
from types import ModuleType

import pytest


def slow_down(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> None:
    """Every per-order solve of `module` (its `solve_order`) sleeps, and every second the
    deadline sees is three."""
    real_solve, real_clock = module.solve_order, time.monotonic
    started = real_clock()

    def slow_solve(*args: object, **kwargs: object) -> object:
        time.sleep(0.0003)
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(module, "solve_order", slow_solve)
    monkeypatch.setattr(
        "solver.deadline.time.monotonic", lambda: started + 3 * (real_clock() - started)
    )
