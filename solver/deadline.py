"""Budgets: a wall-clock `Deadline` shared by every step of a command (reading, solving,
writing), and the `Budget` of work a search may do within it.

A search decides by work, not by the clock: every step is charged a work estimate computed
from what it did (orders solved, simplex iterations, branch-and-bound nodes), never from how
long it took, so the same inputs and the same budget give the same plan on a fast machine, a
slow one or a busy one. One work unit is about one second of the reference machine (the
project's 2-core benchmark machine, quiet). The deadline stays a cap: when a step runs past
it, the search stops there, and the plan says that the time limit, not the budget, ended it
(then it may differ from run to run).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

WORK_PER_SECOND = 0.85
"""Work units a time limit buys by default: a search sized to end at about 85 % of its time
limit on the reference machine, leaving the rest as a margin for a slower or busier one."""


@dataclass
class Deadline:
    seconds: float | None
    started: float = field(default_factory=time.monotonic)

    def left(self) -> float:
        """Seconds left; `inf` when there is no limit."""
        if self.seconds is None:
            return float("inf")
        return self.seconds - (time.monotonic() - self.started)

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def expired(self, margin: float = 0.0) -> bool:
        return self.left() <= margin


def default_work(seconds: float | None, per_second: float = WORK_PER_SECOND) -> float | None:
    """The work a time limit of `seconds` buys at `per_second` units a second (None: no limit,
    no budget)."""
    return None if seconds is None else per_second * seconds


@dataclass
class Budget:
    """The work a search may do (`work` units; None: unlimited) and its wall-clock `cap`."""

    work: float | None
    cap: Deadline = field(default_factory=lambda: Deadline(None))
    spent: float = 0.0
    cut_short: bool = False
    """Whether the cap stopped a step before the budget did."""
    shared_passes: bool = True
    """Whether a pass over every order of a large batch may be shared with a second process
    (`strategies/second_process.py`), and so is charged half its work, as on the reference
    machine. False where batches are planned one to a core (the days of a what-if, each
    scenario on its own worker): no second process is started and a pass is charged whole. A
    setting of the caller, never of the machine, so that the charges stay the same anywhere."""

    @classmethod
    def for_seconds(cls, seconds: float | None, work: float | None = None) -> Budget:
        """A budget capped at `seconds`, with `work` units (default: what the time buys)."""
        return cls(default_work(seconds) if work is None else work, Deadline(seconds))

    def charge(self, units: float) -> None:
        self.spent += units

    def left(self) -> float:
        """Work units left; `inf` without a budget."""
        return float("inf") if self.work is None else self.work - self.spent

    def allows(self, units: float) -> bool:
        """Whether `units` more fit in the budget (a decision that depends on work only)."""
        return self.left() >= units

    def out_of_time(self, margin: float = 0.0) -> bool:
        """Whether the cap has (nearly) run out; noted, since the plan then depends on speed."""
        if self.cap.expired(margin):
            self.cut_short = True
            return True
        return False

    @contextmanager
    def keeping(self, units: float) -> Iterator[None]:
        """The steps inside see a budget `units` smaller: kept for a step that must run after
        them whatever they spend (the charges inside still count)."""
        if self.work is None:
            yield
            return
        self.work -= units
        try:
            yield
        finally:
            self.work += units

    def seconds_left(self, margin: float = 0.0) -> float:
        """Wall-clock seconds a solver call may take before the cap (`inf` without one)."""
        return max(0.0, self.cap.left() - margin)
