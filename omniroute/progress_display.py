"""The progress display of `omniroute plan` and `omniroute whatif`.

One board, one row per batch being planned (one for `plan`, one per scenario for `whatif`). A
row shows what its search is doing in plain words, the best plan so far and how far above the
proven bound it is; the board shows the time elapsed and left against the limit. The solver
sends structured events (`solver.strategies.progress`); this module only renders them:

- on a terminal, a rich live display, redrawn four times a second (so the clock never stops,
  even while one long step runs);
- when stdout or stderr is not a terminal (a log, CI), plain lines: a row's line when what it
  does changes (at most one every `PLAIN_EVERY_SECONDS`), and a line for every busy row at least
  every `PLAIN_HEARTBEAT_SECONDS`, so no step is silent in a log for long;
- with `quiet`, nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from solver.strategies.progress import Progress, ProgressEvent

PLAIN_EVERY_SECONDS = 5.0
PLAIN_HEARTBEAT_SECONDS = 15.0
REFRESH_PER_SECOND = 4


@dataclass
class _Row:
    label: str
    headline: str = "waiting"
    best: float | None = None
    bound: float | None = None
    done: float = 0.0
    """Share of the row's work done, 0 to 1."""
    steps: str = ""
    """Where in a longer run the row is ("day 2 of 3")."""
    state: str = "waiting"
    """waiting, busy or finished."""
    printed: str = ""
    printed_at: float = 0.0

    @property
    def gap(self) -> float | None:
        if self.best is None or self.bound is None:
            return None
        return (self.best - self.bound) / self.best if self.best > 0 else 0.0

    def figures(self) -> str:
        parts = []
        if self.best is not None:
            parts.append(f"best plan {self.best:,.2f}")
        if self.bound is not None:
            parts.append(f"proven bound {self.bound:,.2f}")
        return ", ".join(parts)

    def status(self) -> str:
        return f"{self.steps}: {self.headline}" if self.steps else self.headline


def plain_wanted() -> bool:
    """Plain lines unless both stdout and stderr are terminals."""
    return not (sys.stdout.isatty() and sys.stderr.isatty())


class ProgressBoard:
    """Use as a context manager; `listener(label)` gives a row's event listener."""

    def __init__(
        self,
        console: Console,
        labels: Sequence[str],
        time_limit: float | None,
        *,
        title: str = "",
        quiet: bool = False,
        plain: bool | None = None,
        transient: bool = True,
    ) -> None:
        self._console = console
        self._rows = {label: _Row(label) for label in labels}
        self._limit = time_limit
        self._title = title
        self._quiet = quiet or console.quiet
        self._plain = plain_wanted() if plain is None else plain
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._transient = transient

    # ------------------------------------------------------------------ feeding it

    def listener(self, label: str) -> Progress:
        return lambda event: self.update(label, event)

    def update(
        self,
        label: str,
        event: ProgressEvent | None = None,
        *,
        steps: str | None = None,
        headline: str | None = None,
        done: float | None = None,
        best: float | None = None,
        bound: float | None = None,
        finished: bool = False,
    ) -> None:
        """Record what `label`'s search is doing (an event, or the fields given)."""
        with self._lock:
            row = self._rows[label]
            if event is not None:
                row.headline = event.headline()
                row.best, row.bound = event.best, event.bound
                if event.budget:
                    row.done = min(1.0, event.work / event.budget)
                row.state = "busy"
            if steps is not None:
                row.steps = steps
            if headline is not None:
                row.headline = headline
            if done is not None:
                row.done = done
            if best is not None:
                row.best = best
            if bound is not None:
                row.bound = bound
            if finished:
                row.state, row.done = "finished", 1.0
            if self._plain and not self._quiet:
                self._print_plain(row, force=finished)

    # ------------------------------------------------------------------ plain lines

    def _clock(self) -> str:
        elapsed = time.monotonic() - self._started
        if self._limit is None:
            return f"{elapsed:6.1f} s"
        left = max(0.0, self._limit - elapsed)
        return f"{elapsed:6.1f} s, {left:.0f} s left"

    def _print_plain(self, row: _Row, *, force: bool = False) -> None:
        """Print the row if it changed (and its last line is a few seconds old), if it has
        been quiet for long, or if `force`."""
        now = time.monotonic()
        status = row.status()
        since = now - row.printed_at
        changed = status != row.printed and since >= PLAIN_EVERY_SECONDS
        if not (force or changed or since >= PLAIN_HEARTBEAT_SECONDS):
            return
        name = f"{row.label}: " if len(self._rows) > 1 else ""
        figures = row.figures()
        line = f"[{self._clock()}] {name}{status}" + (f" ({figures})" if figures else "")
        self._console.print(line, markup=False, highlight=False, soft_wrap=True)
        row.printed, row.printed_at = status, now

    def _beat(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                for row in self._rows.values():
                    if row.state == "busy":
                        self._print_plain(row)

    # ------------------------------------------------------------------ the live view

    def __rich__(self) -> RenderableType:
        with self._lock:
            elapsed = time.monotonic() - self._started
            if self._limit is None:
                clock = f"{elapsed:.0f} s elapsed"
            else:
                left = max(0.0, self._limit - elapsed)
                clock = f"{elapsed:.0f} s elapsed, {left:.0f} s left of {self._limit:.0f} s"
            head = Text(f"{self._title}  " if self._title else "", style="bold")
            head.append(clock, style="dim")
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=1)
            grid.add_column()
            for row in self._rows.values():
                mark: RenderableType = {
                    "waiting": Text("·", style="dim"),
                    "finished": Text("✓", style="green"),
                }.get(row.state) or Spinner("dots")
                name = f"[bold]{row.label}[/] " if len(self._rows) > 1 else ""
                lines: list[RenderableType] = [Text.from_markup(name) + Text(row.status())]
                if row.state == "busy":
                    figures = row.figures()
                    bar = Table.grid(padding=(0, 1))
                    bar.add_column(width=30)
                    bar.add_column()
                    bar.add_row(
                        ProgressBar(total=1.0, completed=row.done, width=30),
                        Text(f"{100 * row.done:3.0f} %  {figures}", style="dim"),
                    )
                    lines.append(bar)
                grid.add_row(mark, Group(*lines))
            return Group(head, grid)

    # ------------------------------------------------------------------ lifetime

    def __enter__(self) -> ProgressBoard:
        self._started = time.monotonic()
        if self._quiet:
            return self
        if self._plain:
            self._heartbeat = threading.Thread(target=self._beat, daemon=True)
            self._heartbeat.start()
        else:
            self._live = Live(
                self,
                console=self._console,
                refresh_per_second=REFRESH_PER_SECOND,
                transient=self._transient,
            )
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
        if self._live is not None:
            self._live.__exit__(exc_type, exc, traceback)
