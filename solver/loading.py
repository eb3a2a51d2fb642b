"""Read a dataset folder (spec §1, §2, §4) into a `Dataset`, or say precisely what is wrong.

Every mistake is collected as a `LoadError` naming the file, row and column, all at once; any
error means no dataset, so nothing is ever planned on bad data. Per-record rules live in
`models.py` (pydantic); the rules that need several rows or files live here.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import types
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from solver.models import (
    Node,
    Order,
    Rate,
    Settings,
    Sku,
    StockRow,
    Transit,
    Zone,
)
from solver.network import Dataset, Network, build_network

NODES_FILE = "nodes.csv"
SKUS_FILE = "skus.csv"
INVENTORY_FILE = "inventory.csv"
ZONES_FILE = "zones.csv"
RATES_FILE = "rates.csv"
TRANSIT_FILE = "transit.csv"
SETTINGS_FILE = "settings.json"
ORDERS_FILE = "orders.jsonl"
NETWORK_FILES = (
    NODES_FILE,
    SKUS_FILE,
    INVENTORY_FILE,
    ZONES_FILE,
    RATES_FILE,
    TRANSIT_FILE,
    SETTINGS_FILE,
)

MAX_ERRORS_PER_FILE = 1000
"""Beyond this, a file's errors are counted, not listed: one typo can break a million rows."""

_TRUE_WORDS = frozenset({"true", "1"})
_FALSE_WORDS = frozenset({"false", "0"})
_LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class LoadError:
    """One mistake in the input, located as its author would look for it."""

    file: str
    row: int | None
    """1-based data row of a CSV (the header is row 0) or line of a JSONL; None: whole file."""
    column: str | None
    """CSV column, or JSON field path such as `lines[2].sku`."""
    message: str

    def __str__(self) -> str:
        in_csv = self.file.endswith(".csv")
        where = [self.file]
        if self.row is not None:
            where.append(f"{'row' if in_csv else 'line'} {self.row}")
        if self.column:
            where.append(f"{'column' if in_csv else 'field'} {self.column}")
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class LoadResult:
    dataset: Dataset | None
    """None whenever there is any error."""
    errors: tuple[LoadError, ...]


# --------------------------------------------------------------------------- public API


def load_dataset(folder: Path, orders_path: Path | None = None) -> LoadResult:
    """Load a dataset folder and its orders (`folder / "orders.jsonl"` unless given)."""
    with _garbage_collection_paused():
        return _load_dataset(Path(folder), orders_path)


def _load_dataset(folder: Path, orders_path: Path | None) -> LoadResult:
    folder_error = _folder_error(folder)
    if folder_error is not None:
        return LoadResult(None, (folder_error,))
    parts = _read_network_parts(folder)
    network = parts.build() if not parts.errors else None
    catalog = _Catalog.of_network(network) if network is not None else parts.catalog
    orders_label = ORDERS_FILE if orders_path is None else str(orders_path)
    orders, order_errors = _load_orders(orders_path or folder / ORDERS_FILE, orders_label, catalog)
    errors = (*parts.errors, *order_errors)
    if errors or network is None:
        return LoadResult(None, errors)
    name = folder.name or folder.resolve().name
    return LoadResult(Dataset(name=name, network=network, orders=orders), ())


def load_network(folder: Path) -> tuple[Network | None, tuple[LoadError, ...]]:
    """Load everything but the orders."""
    folder_error = _folder_error(Path(folder))
    if folder_error is not None:
        return None, (folder_error,)
    with _garbage_collection_paused():
        parts = _read_network_parts(Path(folder))
        if parts.errors:
            return None, parts.errors
        return parts.build(), ()


@dataclass(frozen=True)
class NetworkRecords:
    """The validated rows of a dataset's network files, before `build_network` indexes them.

    For callers that change the records first (what-if scenarios, `solver/scenarios/`)."""

    nodes: tuple[Node, ...]
    skus: tuple[Sku, ...]
    stock: tuple[StockRow, ...]
    zones: tuple[Zone, ...]
    rates: tuple[Rate, ...]
    transits: tuple[Transit, ...]
    settings: Settings

    def build(self) -> Network:
        return build_network(
            self.nodes, self.skus, self.stock, self.zones, self.rates, self.transits, self.settings
        )


def load_network_records(folder: Path) -> tuple[NetworkRecords | None, tuple[LoadError, ...]]:
    """The network files as records, checked exactly as `load_network` checks them."""
    folder_error = _folder_error(Path(folder))
    if folder_error is not None:
        return None, (folder_error,)
    with _garbage_collection_paused():
        parts = _read_network_parts(Path(folder))
    if parts.errors or parts.settings is None:
        return None, parts.errors
    records = NetworkRecords(
        nodes=tuple(parts.nodes),
        skus=tuple(parts.skus),
        stock=tuple(parts.stock),
        zones=tuple(parts.zones),
        rates=tuple(parts.rates),
        transits=tuple(parts.transits),
        settings=parts.settings,
    )
    return records, ()


def parse_orders(
    lines: Iterable[str], network: Network, source: str
) -> tuple[tuple[Order, ...], tuple[LoadError, ...]]:
    """Parse JSONL text lines (blank lines skipped) into orders checked against `network`."""
    with _garbage_collection_paused():
        return _parse_order_lines(lines, _Catalog.of_network(network), _ErrorLog(source))


def validate_order(order: Order, network: Network, source: str, row: int | None) -> list[LoadError]:
    """Cross-check one parsed order against the network: its SKUs and pickup node exist."""
    catalog = _Catalog.of_network(network)
    line_skus = [(i, line.sku) for i, line in enumerate(order.lines)]
    return [
        LoadError(source, row, column, message)
        for column, message in _unknown_references(order.pickup_node, line_skus, catalog)
    ]


# --------------------------------------------------------------------------- error collection


class _ErrorLog:
    """The errors of one file, capped at `MAX_ERRORS_PER_FILE` listed ones."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._errors: list[LoadError] = []
        self._count = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self._count += 1
        if self._count <= MAX_ERRORS_PER_FILE:
            self._errors.append(LoadError(self.file, row, column, message))

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


@contextmanager
def _garbage_collection_paused() -> Iterator[None]:
    """Loading makes millions of long-lived objects and no cycles; left on, the cyclic collector
    would rescan them again and again (it doubled the load time of a 1M-row inventory)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _folder_error(folder: Path) -> LoadError | None:
    if not folder.exists():
        return LoadError(str(folder), None, None, "dataset folder not found")
    if not folder.is_dir():
        return LoadError(str(folder), None, None, "is not a folder")
    return None


def _read_text(path: Path, log: _ErrorLog) -> str | None:
    """The file's text (a BOM tolerated), or None after logging why it cannot be used."""
    if not path.exists():
        log.add(None, None, f"file is missing (expected at {path})")
        return None
    if path.is_dir():
        log.add(None, None, f"is a folder, expected a file ({path})")
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        log.add(None, None, f"is not UTF-8 text (bad byte at offset {exc.start})")
        return None
    except OSError as exc:
        log.add(None, None, f"cannot be read ({exc.strerror})")
        return None
    if not text.strip():
        log.add(None, None, "file is empty")
        return None
    return text


# --------------------------------------------------------------------------- pydantic errors


def _field_path(loc: Sequence[int | str]) -> str | None:
    """`('lines', 2, 'sku')` -> `lines[2].sku`; `[key]` markers of dict keys are dropped."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":
            path += f".{part}" if path else part
    return path or None


def _friendly_message(
    error: ErrorDetails, model: type[BaseModel], *, got: str | None, empty_cell: bool = False
) -> str:
    """A pydantic error as a sentence saying what was expected and what was found."""
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "missing":
        return "is empty; a value is required" if empty_cell else "is required"
    shown = got if got is not None else _show(error.get("input"))
    if kind == "extra_forbidden":
        parent = _annotation_at(model, loc[:-1])
        known = ", ".join(parent.model_fields) if _is_model(parent) else ""
        return f"is not a known field (known: {known})" if known else "is not a known field"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "finite_number":
        return (
            f"must be a finite number (got {got if got is not None else _show(error.get('input'))})"
        )
    if loc and loc[-1] == "[key]":
        expected = _describe(_annotation_at(model, loc), ())
    else:
        expected = _expectation(model, loc) or str(error["msg"]).lower()
    return f"must be {expected} (got {shown})"


def _root_causes(exc: ValidationError) -> list[ErrorDetails]:
    """The errors to show: a list is not also "too short" because its only items are invalid."""
    errors = exc.errors(include_url=False)
    inner = [tuple(e["loc"]) for e in errors]
    return [
        error
        for error in errors
        if error["type"] != "too_short"
        or not any(loc[: len(error["loc"])] == tuple(error["loc"]) != loc for loc in inner)
    ]


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _annotation_at(model: type[BaseModel], loc: Sequence[int | str]) -> Any:
    """The annotation a location of `model` is validated against (dict keys: the key type)."""
    return _walk(model, loc)[0]


def _walk(model: type[BaseModel], loc: Sequence[int | str]) -> tuple[Any, Sequence[object]]:
    annotation: Any = model
    metadata: Sequence[object] = ()
    for position, part in enumerate(loc):
        annotation = _without_none(annotation)
        args = get_args(annotation)
        if _is_model(annotation) and isinstance(part, str) and part in annotation.model_fields:
            info = annotation.model_fields[part]
            annotation, metadata = info.annotation, info.metadata
        elif get_origin(annotation) is tuple and isinstance(part, int) and args:
            annotation, metadata = args[0], ()
        elif get_origin(annotation) is dict and len(args) == 2:
            is_key = position + 1 < len(loc) and loc[position + 1] == "[key]"
            annotation, metadata = (args[0] if is_key else args[1]), ()
        elif part == "[key]":
            continue
        else:
            return None, ()
    return annotation, metadata


def _expectation(model: type[BaseModel], loc: Sequence[int | str]) -> str | None:
    annotation, metadata = _walk(model, loc)
    return None if annotation is None else _describe(annotation, metadata)


def _describe(annotation: Any, metadata: Sequence[object]) -> str:
    """What a value of this type and these constraints looks like, in words."""
    annotation = _without_none(annotation)
    origin = get_origin(annotation)
    bounds = _bounds(metadata)
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(annotation))
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return f"a whole number{bounds}"
    if annotation is float:
        return f"a number{bounds}"
    if annotation is str:
        return "non-empty text" if _min_length(metadata) else "text"
    if origin is tuple:
        return "a non-empty list" if _min_length(metadata) else "a list"
    return "an object"


def _bounds(metadata: Sequence[object]) -> str:
    limits = {
        name: getattr(m, name)
        for m in metadata
        for name in ("ge", "gt", "le", "lt")
        if hasattr(m, name)
    }
    low = ("ge", ">=") if "ge" in limits else ("gt", ">") if "gt" in limits else None
    high = ("le", "<=") if "le" in limits else ("lt", "<") if "lt" in limits else None
    if low and high and low[0] == "ge" and high[0] == "le":
        return f" between {limits['ge']:g} and {limits['le']:g}"
    return "".join(f" {sign} {limits[name]:g}" for name, sign in (b for b in (low, high) if b))


def _min_length(metadata: Sequence[object]) -> int:
    return max((getattr(m, "min_length", 0) or 0 for m in metadata), default=0)


# --------------------------------------------------------------------------- CSV tables


@dataclass(frozen=True)
class _CsvSchema:
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


NODES = _CsvSchema(NODES_FILE, Node, frozenset({"channels"}))
SKUS = _CsvSchema(SKUS_FILE, Sku)
INVENTORY = _CsvSchema(INVENTORY_FILE, StockRow)
ZONES = _CsvSchema(ZONES_FILE, Zone)
RATES = _CsvSchema(RATES_FILE, Rate)
TRANSIT = _CsvSchema(TRANSIT_FILE, Transit)


@dataclass
class _CsvTable:
    """An open CSV: where each known column is, which are missing, and its data rows."""

    schema: _CsvSchema
    position: dict[str, int]
    missing: frozenset[str]
    rows: Iterator[tuple[int, list[str]]]

    def cells(self, values: list[str]) -> dict[str, str]:
        """The row's known cells by column, stripped."""
        return {column: values[i].strip() for column, i in self.position.items()}


def _open_csv(folder: Path, schema: _CsvSchema, log: _ErrorLog) -> _CsvTable | None:
    """Check the header of a CSV file and return its rows, or None if it cannot be read."""
    text = _read_text(folder / schema.file, log)
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
    return _CsvTable(schema, position, missing, _data_rows(reader, len(header), log))


def _data_rows(
    reader: Iterator[list[str]], width: int, log: _ErrorLog
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank data rows with their 1-based row number (blank rows still count)."""
    row = 0
    while True:
        row += 1
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


def _parse_record(
    table: _CsvTable, row: int, cells: dict[str, str], log: _ErrorLog
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
        for error in _root_causes(exc):
            path = _field_path(error["loc"])
            if path in table.missing:
                continue  # already reported once for the header
            got = repr(cells[path]) if path in cells else None
            message = _friendly_message(error, schema.model, got=got, empty_cell=True)
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
class _Rows:
    """The rows of a small table: raw cells kept for cross-checks, records where valid."""

    cells: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    records: dict[int, BaseModel] = field(default_factory=dict)


def _read_rows(folder: Path, schema: _CsvSchema, log: _ErrorLog) -> _Rows | None:
    table = _open_csv(folder, schema, log)
    if table is None:
        return None
    rows = _Rows()
    for row, values in table.rows:
        cells = table.cells(values)
        rows.cells.append((row, cells))
        record = _parse_record(table, row, cells, log)
        if record is not None:
            rows.records[row] = record
    return rows


def _report_duplicates(
    rows: Iterable[tuple[int, tuple[str, ...]]], what: str, column: str, log: _ErrorLog
) -> None:
    """Each repeat of a key, naming the row where the key first appeared."""
    first_row: dict[tuple[str, ...], int] = {}
    for row, key in rows:
        if not all(key):
            continue  # an empty id is reported as such
        if key in first_row:
            shown = ", ".join(repr(k) for k in key)
            log.add(row, column, f"duplicate {what} {shown} (first on row {first_row[key]})")
        else:
            first_row[key] = row


# --------------------------------------------------------------------------- the network files


@dataclass
class _Catalog:
    """Ids known so far, for cross-checks; None when their file could not be read."""

    node_ids: Container[str] | None = None
    sku_ids: Container[str] | None = None
    zone_ids: Container[str] | None = None

    @classmethod
    def of_network(cls, network: Network) -> _Catalog:
        return cls(network.node_index, network.sku_index, network.zone_index)


@dataclass
class _NetworkParts:
    """What the network files hold, before `build_network` indexes it."""

    nodes: list[Node] = field(default_factory=list)
    skus: list[Sku] = field(default_factory=list)
    stock: list[StockRow] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    transits: list[Transit] = field(default_factory=list)
    settings: Settings | None = None
    catalog: _Catalog = field(default_factory=_Catalog)
    errors: tuple[LoadError, ...] = ()

    def build(self) -> Network:
        assert self.settings is not None, "build only after a load without errors"
        return build_network(
            self.nodes, self.skus, self.stock, self.zones, self.rates, self.transits, self.settings
        )


def _read_network_parts(folder: Path) -> _NetworkParts:
    parts = _NetworkParts()
    logs = {name: _ErrorLog(name) for name in NETWORK_FILES}
    parts.nodes, parts.catalog.node_ids = _load_nodes(folder, logs[NODES_FILE])
    parts.skus, parts.catalog.sku_ids = _load_skus(folder, logs[SKUS_FILE])
    parts.stock = _load_inventory(folder, parts.catalog, logs[INVENTORY_FILE])
    zone_rows = _read_rows(folder, ZONES, logs[ZONES_FILE])
    parts.zones, parts.catalog.zone_ids = _check_zones(zone_rows, logs[ZONES_FILE])
    parts.transits, transit_keys = _load_transit(folder, parts.catalog, logs[TRANSIT_FILE])
    parts.rates, rated_zones = _load_rates(folder, parts.catalog, transit_keys, logs[RATES_FILE])
    if zone_rows is not None and rated_zones is not None:
        _check_every_zone_has_a_rate(zone_rows, rated_zones, logs[ZONES_FILE])
    parts.settings = _load_settings(folder, logs[SETTINGS_FILE])
    parts.errors = tuple(error for log in logs.values() for error in log.errors())
    return parts


def _load_nodes(folder: Path, log: _ErrorLog) -> tuple[list[Node], set[str] | None]:
    rows = _read_rows(folder, NODES, log)
    if rows is None:
        return [], None
    if not rows.cells:
        log.add(None, None, "no nodes: at least one place that fulfils is needed")
    keys = [(row, (cells.get("node_id", ""),)) for row, cells in rows.cells]
    _report_duplicates(keys, "node_id", "node_id", log)
    nodes = [r for r in rows.records.values() if isinstance(r, Node)]
    return nodes, {key[0] for _, key in keys}


def _load_skus(folder: Path, log: _ErrorLog) -> tuple[list[Sku], set[str] | None]:
    rows = _read_rows(folder, SKUS, log)
    if rows is None:
        return [], None
    if not rows.cells:
        log.add(None, None, "no SKUs: at least one product is needed")
    keys = [(row, (cells.get("sku", ""),)) for row, cells in rows.cells]
    _report_duplicates(keys, "sku", "sku", log)
    skus = [r for r in rows.records.values() if isinstance(r, Sku)]
    return skus, {key[0] for _, key in keys}


def _load_inventory(folder: Path, catalog: _Catalog, log: _ErrorLog) -> list[StockRow]:
    """Stock rows. Inventories run to a million rows, so a row is validated once, straight from
    its cells, and only a row that fails goes through the slower path that explains why."""
    table = _open_csv(folder, INVENTORY, log)
    if table is None:
        return []
    stock: list[StockRow] = []
    first_row: dict[tuple[str, str], int] = {}
    for row, values in table.rows:
        cells = table.cells(values)
        node_id, sku = cells.get("node_id", ""), cells.get("sku", "")
        record = _valid_stock_row(cells) or _parse_record(table, row, cells, log)
        known = _check_stock_references(row, node_id, sku, catalog, log)
        if node_id and sku:
            key = (node_id, sku)
            if key in first_row:
                log.add(
                    row,
                    "sku",
                    f"duplicate stock row for node {node_id!r} and sku {sku!r} "
                    f"(first on row {first_row[key]})",
                )
                continue
            first_row[key] = row
        if known and isinstance(record, StockRow):
            stock.append(record)
    return stock


def _valid_stock_row(cells: dict[str, str]) -> StockRow | None:
    """The row as a `StockRow` if it is valid as it stands (an empty safety stock is 0)."""
    if not cells.get("safety_stock", "0"):
        cells = {column: text for column, text in cells.items() if column != "safety_stock"}
    try:
        return StockRow.model_validate(cells)
    except ValidationError:
        return None


def _check_stock_references(
    row: int, node_id: str, sku: str, catalog: _Catalog, log: _ErrorLog
) -> bool:
    known = True
    if node_id and catalog.node_ids is not None and node_id not in catalog.node_ids:
        log.add(row, "node_id", f"unknown node {node_id!r} (not in {NODES_FILE})")
        known = False
    if sku and catalog.sku_ids is not None and sku not in catalog.sku_ids:
        log.add(row, "sku", f"unknown SKU {sku!r} (not in {SKUS_FILE})")
        known = False
    return known


def _check_zones(rows: _Rows | None, log: _ErrorLog) -> tuple[list[Zone], set[str] | None]:
    """Spec §1: bands ascend strictly; only the last may be open (empty `max_km`)."""
    if rows is None:
        return [], None
    if not rows.cells:
        log.add(None, None, "no zones: at least one distance band is needed")
        return [], None
    keys = [(row, (cells.get("zone", ""),)) for row, cells in rows.cells]
    _report_duplicates(keys, "zone", "zone", log)
    last_row = rows.cells[-1][0]
    previous: tuple[int, float] | None = None
    for row, cells in rows.cells:
        zone = rows.records.get(row)
        if not isinstance(zone, Zone):
            continue
        if zone.max_km is None:
            if row != last_row:
                log.add(
                    row, "max_km", "only the last band may be empty (no limit); this leaves a gap"
                )
            continue
        if previous is not None and zone.max_km <= previous[1]:
            log.add(
                row,
                "max_km",
                f"must be greater than the previous band's {previous[1]:g} (row {previous[0]}): "
                f"bands ascend (got {cells['max_km']!r})",
            )
        previous = (row, zone.max_km)
    zones = [r for r in rows.records.values() if isinstance(r, Zone)]
    return zones, {key[0] for _, key in keys}


def _check_every_zone_has_a_rate(rows: _Rows, rated_zones: set[str], log: _ErrorLog) -> None:
    """A zone without any rate is a gap in the rate table: nothing could ship there."""
    for row, cells in rows.cells:
        zone = cells.get("zone", "")
        if zone and zone not in rated_zones:
            log.add(row, "zone", f"zone {zone!r} has no rate for any service in {RATES_FILE}")


def _check_zone_reference(row: int, zone: str, catalog: _Catalog, log: _ErrorLog) -> bool:
    if zone and catalog.zone_ids is not None and zone not in catalog.zone_ids:
        log.add(row, "zone", f"unknown zone {zone!r} (not in {ZONES_FILE})")
        return False
    return True


def _load_transit(
    folder: Path, catalog: _Catalog, log: _ErrorLog
) -> tuple[list[Transit], set[tuple[str, str]] | None]:
    rows = _read_rows(folder, TRANSIT, log)
    if rows is None:
        return [], None
    keys = [(row, (cells.get("service", ""), cells.get("zone", ""))) for row, cells in rows.cells]
    _report_duplicates(keys, "service and zone", "zone", log)
    for row, (_, zone) in keys:
        _check_zone_reference(row, zone, catalog, log)
    transits = [r for r in rows.records.values() if isinstance(r, Transit)]
    return transits, {(service, zone) for _, (service, zone) in keys}


def _load_rates(
    folder: Path,
    catalog: _Catalog,
    transit_keys: set[tuple[str, str]] | None,
    log: _ErrorLog,
) -> tuple[list[Rate], set[str] | None]:
    """Rate rows; each (service, zone) priced must also have a transit time."""
    rows = _read_rows(folder, RATES, log)
    if rows is None:
        return [], None
    rates_by_row = {row: r for row, r in rows.records.items() if isinstance(r, Rate)}
    bands = [(row, (r.service, r.zone, f"{r.max_kg:g}")) for row, r in rates_by_row.items()]
    _report_duplicates(bands, "service, zone and max_kg", "max_kg", log)
    keys = [(row, (cells.get("service", ""), cells.get("zone", ""))) for row, cells in rows.cells]
    reported_pairs: set[tuple[str, str]] = set()
    for row, (service, zone) in keys:
        if not _check_zone_reference(row, zone, catalog, log) or not service or not zone:
            continue
        pair = (service, zone)
        if transit_keys is not None and pair not in transit_keys and pair not in reported_pairs:
            reported_pairs.add(pair)
            log.add(
                row, "zone", f"no transit time for {service} in zone {zone!r} in {TRANSIT_FILE}"
            )
    return list(rates_by_row.values()), {zone for _, (_, zone) in keys}


def _load_settings(folder: Path, log: _ErrorLog) -> Settings | None:
    """Spec §4; keys left out take the defaults of `Settings`."""
    text = _read_text(folder / SETTINGS_FILE, log)
    if text is None:
        return None
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        log.add(None, None, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
        return None
    if not isinstance(content, dict):
        log.add(None, None, f"must be a JSON object of settings (got {type(content).__name__})")
        return None
    try:
        settings = Settings.model_validate_json(text, strict=True)
    except ValidationError as exc:
        for error in _root_causes(exc):
            message = _friendly_message(error, Settings, got=None)
            if error["type"] == "extra_forbidden":
                message = f"unknown setting (known: {', '.join(Settings.model_fields)})"
            log.add(None, _field_path(error["loc"]), message)
        return None
    return None if log else settings


# --------------------------------------------------------------------------- orders


def _load_orders(
    path: Path, label: str, catalog: _Catalog
) -> tuple[tuple[Order, ...], tuple[LoadError, ...]]:
    log = _ErrorLog(label)
    text = _read_text(path, log)
    if text is None:
        return (), log.errors()
    return _parse_order_lines(text.split("\n"), catalog, log)


def _parse_order_lines(
    lines: Iterable[str], catalog: _Catalog, log: _ErrorLog
) -> tuple[tuple[Order, ...], tuple[LoadError, ...]]:
    """Spec §2, one JSON object a line; the fast path is pydantic's own JSON parser."""
    orders: list[Order] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            order = Order.model_validate_json(line, strict=True)
        except ValidationError as exc:
            _explain_invalid_order(line, number, exc, catalog, first_line, log)
            continue
        errors_before = log.count
        _check_order_id_once(order.order_id, number, first_line, log)
        line_skus = [(i, order_line.sku) for i, order_line in enumerate(order.lines)]
        for column, message in _unknown_references(order.pickup_node, line_skus, catalog):
            log.add(number, column, message)
        if log.count == errors_before:
            orders.append(order)
    if not first_line and not log:
        log.add(None, None, "no orders (only blank lines)")
    return tuple(orders), log.errors()


def _check_order_id_once(
    order_id: str, number: int, first_line: dict[str, int], log: _ErrorLog
) -> None:
    if order_id in first_line:
        log.add(
            number,
            "order_id",
            f"duplicate order_id {order_id!r} (first on line {first_line[order_id]})",
        )
    else:
        first_line[order_id] = number


def _unknown_references(
    pickup_node: object, line_skus: Iterable[tuple[int, object]], catalog: _Catalog
) -> list[tuple[str, str]]:
    """(field, message) for a pickup node or line SKU the network does not know."""
    problems = []
    nodes, skus = catalog.node_ids, catalog.sku_ids
    pickup_known = nodes is None or not isinstance(pickup_node, str) or pickup_node in nodes
    if pickup_node and not pickup_known:
        problems.append(("pickup_node", f"unknown node {pickup_node!r}"))
    if skus is not None:
        for i, sku in line_skus:
            if isinstance(sku, str) and sku and sku not in skus:
                problems.append((f"lines[{i}].sku", f"unknown SKU {sku!r}"))
    return problems


def _explain_invalid_order(
    line: str,
    number: int,
    exc: ValidationError,
    catalog: _Catalog,
    first_line: dict[str, int],
    log: _ErrorLog,
) -> None:
    """Every problem of a line that failed validation, the whole-order rules included."""
    try:
        content = json.loads(line)
    except json.JSONDecodeError as decode_error:
        log.add(number, None, f"invalid JSON at column {decode_error.colno}: {decode_error.msg}")
        return
    if not isinstance(content, dict):
        log.add(number, None, f"must be a JSON object (got {_json_kind(content)})")
        return
    order_id = content.get("order_id")
    if isinstance(order_id, str) and order_id:
        _check_order_id_once(order_id, number, first_line, log)
    whole_order_problems = _whole_order_problems(content)
    for column, message in whole_order_problems:
        log.add(number, column, message)
    for error in _root_causes(exc):
        if not error["loc"] and whole_order_problems:
            continue  # the model's own whole-order check, already explained field by field
        log.add(number, _field_path(error["loc"]), _friendly_message(error, Order, got=None))
    raw_lines = content.get("lines")
    line_dicts = list(enumerate(raw_lines)) if isinstance(raw_lines, list) else []
    line_skus = [(i, item.get("sku")) for i, item in line_dicts if isinstance(item, dict)]
    for column, message in _unknown_references(content.get("pickup_node"), line_skus, catalog):
        log.add(number, column, message)


def whole_order_problems(content: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for the whole-order rules of a raw JSON order (pickup store, distinct
    line ids): what `Order`'s model validator rejects, located field by field (used by the API)."""
    return _whole_order_problems(content)


def _whole_order_problems(content: dict[str, Any]) -> list[tuple[str, str]]:
    """The rules `Order` checks after its fields: a pickup store, distinct line ids."""
    problems = []
    if content.get("service") == "pickup" and not content.get("pickup_node"):
        problems.append(("pickup_node", "a pickup order needs a pickup_node (the store)"))
    raw_lines = content.get("lines")
    first_index: dict[str, int] = {}
    for i, item in enumerate(raw_lines if isinstance(raw_lines, list) else []):
        line_id = item.get("line_id") if isinstance(item, dict) else None
        if not isinstance(line_id, str) or not line_id:
            continue
        if line_id in first_index:
            problems.append(
                (
                    f"lines[{i}].line_id",
                    f"duplicate line_id {line_id!r} in this order "
                    f"(first in lines[{first_index[line_id]}])",
                )
            )
        else:
            first_index[line_id] = i
    return problems


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number"
