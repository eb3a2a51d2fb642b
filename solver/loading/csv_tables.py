"""CSV files whose columns are the fields of a record model: header checks, rows, records.

Each data row is validated by its pydantic model; every problem goes to the file's
`ErrorLog` with its row and column."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol, get_origin

from pydantic import BaseModel, ValidationError

from solver.loading.errors import ErrorLog
from solver.loading.files import read_text
from solver.loading.messages import field_path, friendly_message, root_causes

_TRUE_WORDS = frozenset({"true", "1"})
_FALSE_WORDS = frozenset({"false", "0"})
_LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class CsvSchema:
    """A CSV file whose columns are the fields of a record model."""

    file: str
    model: type[BaseModel]
    optional_columns: frozenset[str] = frozenset()

    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.model.model_fields)

    @cached_property
    def flag_columns(self) -> frozenset[str]:
        fields = self.model.model_fields.items()
        return frozenset(name for name, info in fields if info.annotation is bool)

    @cached_property
    def list_columns(self) -> frozenset[str]:
        fields = self.model.model_fields.items()
        return frozenset(name for name, info in fields if get_origin(info.annotation) is tuple)


@dataclass
class CsvTable:
    """An open CSV: where each known column is, which are missing, and its data rows."""

    schema: CsvSchema
    position: dict[str, int]
    missing: frozenset[str]
    rows: Iterator[tuple[int, list[str]]]

    def cells(self, values: list[str]) -> dict[str, str]:
        """The row's known cells by column, stripped."""
        return {column: values[i].strip() for column, i in self.position.items()}


def open_csv(folder: Path, schema: CsvSchema, log: ErrorLog) -> CsvTable | None:
    """Check the header of a CSV file and return its rows, or None if it cannot be read."""
    text = read_text(folder / schema.file, log)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except csv.Error as exc:
        log.add(0, None, f"the header cannot be read as CSV ({exc})")
        return None
    position: dict[str, int] = {}
    for i, column in enumerate(header):
        if not column:
            log.add(None, None, f"the header cell {i + 1} is empty")
        elif column in position:
            log.add(None, column, "column appears twice in the header")
        elif column not in schema.columns:
            known = ", ".join(schema.columns)
            log.add(None, column, f"unknown column (expected columns: {known})")
        else:
            position[column] = i
    required = [c for c in schema.columns if c not in schema.optional_columns]
    missing = frozenset(c for c in required if c not in position)
    for column in required:
        if column in missing:
            log.add(None, column, "required column is missing from the header")
    return CsvTable(schema, position, missing, _data_rows(reader, len(header), log))


class _CsvReader(Protocol):
    """What `csv.reader` returns: rows, and how many lines of the text it has read."""

    line_num: int

    def __next__(self) -> list[str]: ...


def _data_rows(reader: _CsvReader, width: int, log: ErrorLog) -> Iterator[tuple[int, list[str]]]:
    """Non-blank data rows with their 1-based row number (blank rows still count); the line
    where each starts goes to `log.lines`."""
    row = 0
    while True:
        row += 1
        log.lines[row] = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            log.add(row, None, f"cannot be read as CSV ({exc}); the rest of the file is skipped")
            return
        if not "".join(values).strip():
            continue
        if len(values) > width and any(v.strip() for v in values[width:]):
            log.add(row, None, f"has {len(values)} cells but the header has {width} columns")
            continue
        if len(values) < width:
            values.extend([""] * (width - len(values)))  # a short row reads as empty cells
        yield row, values


def parse_record(
    table: CsvTable, row: int, cells: dict[str, str], log: ErrorLog
) -> BaseModel | None:
    """Validate one row against its model; empty cells take the model's default."""
    schema = table.schema
    data: dict[str, object] = {}
    valid = True
    for column, text in cells.items():
        if not text:
            continue
        if column in schema.flag_columns:
            flag = _parse_flag(text)
            if flag is None:
                log.add(row, column, f"must be true or false (or 1 or 0) (got {text!r})")
                valid = False
            data[column] = bool(flag)  # a stand-in, so the other cells are still checked
        elif column in schema.list_columns:
            data[column] = tuple(p.strip() for p in text.split(_LIST_SEPARATOR) if p.strip())
        else:
            data[column] = text
    try:
        record = schema.model.model_validate(data)
    except ValidationError as exc:
        for error in root_causes(exc):
            path = field_path(error["loc"])
            if path in table.missing:
                continue  # already reported once for the header
            got = repr(cells[path]) if path in cells else None
            message = friendly_message(error, schema.model, got=got, empty_cell=True)
            log.add(row, path, message)
        return None
    return record if valid else None


def _parse_flag(text: str) -> bool | None:
    word = text.lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return None


@dataclass
class Rows:
    """The rows of a small table: raw cells kept for cross-checks, records where valid."""

    cells: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    records: dict[int, BaseModel] = field(default_factory=dict)


def read_rows(folder: Path, schema: CsvSchema, log: ErrorLog) -> Rows | None:
    table = open_csv(folder, schema, log)
    if table is None:
        return None
    rows = Rows()
    for row, values in table.rows:
        cells = table.cells(values)
        rows.cells.append((row, cells))
        record = parse_record(table, row, cells, log)
        if record is not None:
            rows.records[row] = record
    return rows


def report_duplicates(
    rows: Iterable[tuple[int, tuple[str, ...]]], what: str, column: str, log: ErrorLog
) -> None:
    """Each repeat of a key, naming the line where the key first appeared."""
    first_row: dict[tuple[str, ...], int] = {}
    for row, key in rows:
        if not all(key):
            continue  # an empty id is reported as such
        if key in first_row:
            shown = ", ".join(repr(k) for k in key)
            first = log.line_of(first_row[key])
            log.add(row, column, f"duplicate {what} {shown} (first on line {first})")
        else:
            first_row[key] = row
