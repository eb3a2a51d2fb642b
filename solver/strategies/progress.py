"""What a strategy reports while it works: structured events, never printed here.

The command line renders them (`omniroute/progress_display.py`); benchmarks log them. An event
says, in plain words, what the search is doing, with the best plan so far, the best proven
lower bound and the work done against the budget, so a display can show a gap and a bar
without knowing the solver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PHASES = ("rules", "bound", "plan", "improve", "done")
"""The stable phase names, in the order a search goes through them."""


@dataclass(frozen=True)
class ProgressEvent:
    phase: str
    """One of `PHASES`."""
    message: str
    """What is happening, in plain words ("improving the plan")."""
    best: float | None = None
    """Cost of the best plan found so far."""
    bound: float | None = None
    """Best proven lower bound on the cost so far."""
    work: float = 0.0
    """Work units done so far (`solver.deadline.Budget`)."""
    budget: float | None = None
    """Work units the search may do (None: no budget)."""
    detail: str = ""
    """The same step in the solver's own terms (columns, LP values), for traces."""

    @property
    def gap(self) -> float | None:
        """How far above the bound the best plan is, as a share of its cost."""
        if self.best is None or self.bound is None:
            return None
        return (self.best - self.bound) / self.best if self.best > 0 else 0.0

    def headline(self) -> str:
        """The message with the gap, as a person reads it."""
        gap = self.gap
        if gap is None or self.phase == "rules":
            return self.message
        return f"{self.message}: {100 * gap:.1f} % above the proven bound"


Progress = Callable[[ProgressEvent], None]


def ignore(_event: ProgressEvent) -> None:
    """A progress listener that listens to nothing."""
