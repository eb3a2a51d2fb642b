"""The progress display (omniroute/progress_display.py) and the events behind it: plain words,
the gap to the proven bound, time against the limit; plain lines in a log, nothing when quiet."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from omniroute import progress_display
from omniroute.cli import app
from omniroute.progress_display import ProgressBoard
from solver.strategies.progress import ProgressEvent

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
IMPROVING = ProgressEvent(
    "improve", "improving the plan", best=101.2, bound=100.0, work=3, budget=6
)


def test_an_event_reads_as_a_phase_in_plain_words_with_its_gap() -> None:
    assert IMPROVING.gap is not None and round(IMPROVING.gap, 4) == 0.0119
    assert IMPROVING.headline() == "improving the plan: 1.2 % above the proven bound"
    assert ProgressEvent("rules", "planning with the simple rules").headline() == (
        "planning with the simple rules"
    )


def test_plain_lines_show_the_time_left_the_best_plan_and_the_bound() -> None:
    out = io.StringIO()
    with ProgressBoard(Console(file=out, width=200), ["demo"], 300.0, plain=True) as board:
        board.update("demo", IMPROVING)
    (line,) = out.getvalue().splitlines()
    assert "300 s left]" in line
    assert "improving the plan: 1.2 % above the proven bound" in line
    assert "best plan 101.20, proven bound 100.00" in line


def test_plain_lines_repeat_a_long_step_and_do_not_flood_a_log(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(progress_display.time, "monotonic", lambda: clock[0])
    out = io.StringIO()
    board = ProgressBoard(Console(file=out, width=200), ["a", "b"], None, plain=True)
    board.update("a", IMPROVING)
    for _ in range(50):  # many events in a second: one line
        clock[0] += 0.02
        board.update("a", IMPROVING)
    clock[0] += progress_display.PLAIN_HEARTBEAT_SECONDS
    board.update("a", IMPROVING)  # the same step, quiet for long: said again
    board.update("b", finished=True, headline="done")
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].endswith(
        "a: improving the plan: 1.2 % above the proven bound (best plan "
        "101.20, proven bound 100.00)"
    )
    assert lines[2].endswith("b: done")


def test_the_live_view_shows_the_row_and_the_clock() -> None:
    out = io.StringIO()
    console = Console(file=out, width=100, force_terminal=True)
    board = ProgressBoard(console, ["demo"], 300.0, title="optimal on demo", plain=False)
    board.update("demo", IMPROVING)
    console.print(board)
    text = out.getvalue()
    assert "optimal on demo" in text and "left of 300 s" in text
    assert "improving the plan: 1.2 % above the proven bound" in text
    assert "50 %" in text and "proven bound 100.00" in text


def test_quiet_shows_nothing() -> None:
    out = io.StringIO()
    with ProgressBoard(Console(file=out), ["demo"], 300.0, quiet=True, plain=True) as board:
        board.update("demo", IMPROVING)
    assert out.getvalue() == ""


def test_plan_in_a_log_prints_plain_progress_lines_and_quiet_prints_none() -> None:
    command = ["plan", str(DEMO), "--time-limit", "60", "--work", "1"]
    shown = CliRunner().invoke(app, command)
    assert shown.exit_code == 0, shown.output
    progress = [line for line in shown.output.splitlines() if line.startswith("[")]
    assert progress[0].endswith("planning with the simple rules (arrival order, nearest, priority)")
    assert any("above the proven bound" in line for line in progress)
    assert all(" s left]" in line for line in progress)
    quiet = CliRunner().invoke(app, [*command, "--quiet"])
    assert quiet.exit_code == 0
    assert not [line for line in quiet.output.splitlines() if line.startswith("[")]
    assert "Total cost" in quiet.output
