"""A wall-clock budget shared by every step of a command (reading, solving, writing)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


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
