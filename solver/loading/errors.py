"""Errors in the input: `LoadError` names the file, line and column; a log collects a file's.

Positions are the file's own line numbers (a CSV's header is line 1, so its first data row is
line 2; a row whose quoted cell spans lines starts where it starts), as an editor shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ERRORS_PER_FILE = 1000
"""Beyond this, a file's errors are counted, not listed: one typo can break a million rows."""


@dataclass(frozen=True)
class LoadError:
    """One mistake in the input, located as its author would look for it."""

    file: str
    row: int | None
    """1-based data row of a CSV (the header is row 0) or line of a JSONL; None: whole file."""
    column: str | None
    """CSV column, or JSON field path such as `lines[2].sku`."""
    message: str
    line: int | None = None
    """The CSV line where the row starts (what messages show); a JSONL's rows are its lines."""

    def __str__(self) -> str:
        in_csv = self.file.endswith(".csv")
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        elif self.row is not None:
            where.append(f"{'row' if in_csv else 'line'} {self.row}")
        if self.column:
            where.append(f"{'column' if in_csv else 'field'} {self.column}")
        return f"{', '.join(where)}: {self.message}"


class ErrorLog:
    """The errors of one file, capped at `MAX_ERRORS_PER_FILE` listed ones."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._errors: list[LoadError] = []
        self._count = 0
        self.lines: dict[int, int] = {}
        """Line where each CSV data row starts (set as the rows are read)."""

    def line_of(self, row: int | None) -> int | None:
        """The file's line number of data row `row` (a JSONL's rows are its lines)."""
        if row is None:
            return None
        if not self.file.endswith(".csv"):
            return row
        return self.lines.get(row, row + 1)

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self._count += 1
        if self._count <= MAX_ERRORS_PER_FILE:
            line = self.line_of(row) if self.file.endswith(".csv") else None
            self._errors.append(LoadError(self.file, row, column, message, line))

    def __bool__(self) -> bool:
        return self._count > 0

    @property
    def count(self) -> int:
        return self._count

    def errors(self) -> tuple[LoadError, ...]:
        listed = sorted(self._errors, key=lambda e: -1 if e.row is None else e.row)
        hidden = self._count - len(listed)
        if hidden:
            listed.append(LoadError(self.file, None, None, f"{hidden} more errors not listed"))
        return tuple(listed)
