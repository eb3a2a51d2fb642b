"""The network files (nodes, SKUs, inventory, zones, rates, transit, settings): each read
and checked, then cross-checked against the others (unknown ids, zone gaps, missing rates)."""

from __future__ import annotations

import json
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from solver.loading.csv_tables import (
    CsvSchema,
    Rows,
    open_csv,
    parse_record,
    read_rows,
    report_duplicates,
)
from solver.loading.errors import ErrorLog, LoadError
from solver.loading.files import (
    INVENTORY_FILE,
    NETWORK_FILES,
    NODES_FILE,
    RATES_FILE,
    SETTINGS_FILE,
    SKUS_FILE,
    TRANSIT_FILE,
    ZONES_FILE,
    read_text,
)
from solver.loading.messages import field_path, friendly_message, root_causes
from solver.models import Node, Rate, Settings, Sku, StockRow, Transit, Zone
from solver.network import Network, build_network

NODES = CsvSchema(NODES_FILE, Node, frozenset({"channels"}))
SKUS = CsvSchema(SKUS_FILE, Sku)
INVENTORY = CsvSchema(INVENTORY_FILE, StockRow)
ZONES = CsvSchema(ZONES_FILE, Zone)
RATES = CsvSchema(RATES_FILE, Rate)
TRANSIT = CsvSchema(TRANSIT_FILE, Transit)


@dataclass
class KnownIds:
    """Ids known so far, for cross-checks; None when their file could not be read."""

    node_ids: Container[str] | None = None
    sku_ids: Container[str] | None = None
    zone_ids: Container[str] | None = None

    @classmethod
    def of_network(cls, network: Network) -> KnownIds:
        return cls(network.node_index, network.sku_index, network.zone_index)


@dataclass
class NetworkParts:
    """What the network files hold, before `build_network` indexes it."""

    nodes: list[Node] = field(default_factory=list)
    skus: list[Sku] = field(default_factory=list)
    stock: list[StockRow] = field(default_factory=list)
    zones: list[Zone] = field(default_factory=list)
    rates: list[Rate] = field(default_factory=list)
    transits: list[Transit] = field(default_factory=list)
    settings: Settings | None = None
    known_ids: KnownIds = field(default_factory=KnownIds)
    errors: tuple[LoadError, ...] = ()

    def build(self) -> Network:
        assert self.settings is not None, "build only after a load without errors"
        return build_network(
            self.nodes, self.skus, self.stock, self.zones, self.rates, self.transits, self.settings
        )


def read_network_parts(folder: Path) -> NetworkParts:
    """Every network file of `folder`, each checked and cross-checked; errors by file."""
    parts = NetworkParts()
    logs = {name: ErrorLog(name) for name in NETWORK_FILES}
    parts.nodes, parts.known_ids.node_ids = _load_nodes(folder, logs[NODES_FILE])
    parts.skus, parts.known_ids.sku_ids = _load_skus(folder, logs[SKUS_FILE])
    parts.stock = _load_inventory(folder, parts.known_ids, logs[INVENTORY_FILE])
    zone_rows = read_rows(folder, ZONES, logs[ZONES_FILE])
    parts.zones, parts.known_ids.zone_ids = _check_zones(zone_rows, logs[ZONES_FILE])
    parts.transits, transit_keys = _load_transit(folder, parts.known_ids, logs[TRANSIT_FILE])
    parts.rates, rated_zones = _load_rates(folder, parts.known_ids, transit_keys, logs[RATES_FILE])
    if zone_rows is not None and rated_zones is not None:
        _check_every_zone_has_a_rate(zone_rows, rated_zones, logs[ZONES_FILE])
    parts.settings = _load_settings(folder, logs[SETTINGS_FILE])
    parts.errors = tuple(error for log in logs.values() for error in log.errors())
    return parts


def _load_nodes(folder: Path, log: ErrorLog) -> tuple[list[Node], set[str] | None]:
    rows = read_rows(folder, NODES, log)
    if rows is None:
        return [], None
    if not rows.cells:
        log.add(None, None, "no nodes: at least one place that fulfils is needed")
    keys = [(row, (cells.get("node_id", ""),)) for row, cells in rows.cells]
    report_duplicates(keys, "node_id", "node_id", log)
    nodes = [r for r in rows.records.values() if isinstance(r, Node)]
    return nodes, {key[0] for _, key in keys}


def _load_skus(folder: Path, log: ErrorLog) -> tuple[list[Sku], set[str] | None]:
    rows = read_rows(folder, SKUS, log)
    if rows is None:
        return [], None
    if not rows.cells:
        log.add(None, None, "no SKUs: at least one product is needed")
    keys = [(row, (cells.get("sku", ""),)) for row, cells in rows.cells]
    report_duplicates(keys, "sku", "sku", log)
    skus = [r for r in rows.records.values() if isinstance(r, Sku)]
    return skus, {key[0] for _, key in keys}


def _load_inventory(folder: Path, known_ids: KnownIds, log: ErrorLog) -> list[StockRow]:
    """Stock rows. Inventories run to a million rows, so a row is validated once, straight from
    its cells, and only a row that fails goes through the slower path that explains why."""
    table = open_csv(folder, INVENTORY, log)
    if table is None:
        return []
    stock: list[StockRow] = []
    first_row: dict[tuple[str, str], int] = {}
    for row, values in table.rows:
        cells = table.cells(values)
        node_id, sku = cells.get("node_id", ""), cells.get("sku", "")
        record = _valid_stock_row(cells) or parse_record(table, row, cells, log)
        known = _check_stock_references(row, node_id, sku, known_ids, log)
        if node_id and sku:
            key = (node_id, sku)
            if key in first_row:
                log.add(
                    row,
                    "sku",
                    f"duplicate stock row for node {node_id!r} and sku {sku!r} "
                    f"(first on line {log.line_of(first_row[key])})",
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
    row: int, node_id: str, sku: str, known_ids: KnownIds, log: ErrorLog
) -> bool:
    known = True
    if node_id and known_ids.node_ids is not None and node_id not in known_ids.node_ids:
        log.add(row, "node_id", f"unknown node {node_id!r} (not in {NODES_FILE})")
        known = False
    if sku and known_ids.sku_ids is not None and sku not in known_ids.sku_ids:
        log.add(row, "sku", f"unknown SKU {sku!r} (not in {SKUS_FILE})")
        known = False
    return known


def _check_zones(rows: Rows | None, log: ErrorLog) -> tuple[list[Zone], set[str] | None]:
    """Spec §1: bands ascend strictly; only the last may be open (empty `max_km`)."""
    if rows is None:
        return [], None
    if not rows.cells:
        log.add(None, None, "no zones: at least one distance band is needed")
        return [], None
    keys = [(row, (cells.get("zone", ""),)) for row, cells in rows.cells]
    report_duplicates(keys, "zone", "zone", log)
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
                f"must be greater than the previous band's {previous[1]:g} "
                f"(line {log.line_of(previous[0])}): "
                f"bands ascend (got {cells['max_km']!r})",
            )
        previous = (row, zone.max_km)
    zones = [r for r in rows.records.values() if isinstance(r, Zone)]
    return zones, {key[0] for _, key in keys}


def _check_every_zone_has_a_rate(rows: Rows, rated_zones: set[str], log: ErrorLog) -> None:
    """A zone without any rate is a gap in the rate table: nothing could ship there."""
    for row, cells in rows.cells:
        zone = cells.get("zone", "")
        if zone and zone not in rated_zones:
            log.add(row, "zone", f"zone {zone!r} has no rate for any service in {RATES_FILE}")


def _check_zone_reference(row: int, zone: str, known_ids: KnownIds, log: ErrorLog) -> bool:
    if zone and known_ids.zone_ids is not None and zone not in known_ids.zone_ids:
        log.add(row, "zone", f"unknown zone {zone!r} (not in {ZONES_FILE})")
        return False
    return True


def _load_transit(
    folder: Path, known_ids: KnownIds, log: ErrorLog
) -> tuple[list[Transit], set[tuple[str, str]] | None]:
    rows = read_rows(folder, TRANSIT, log)
    if rows is None:
        return [], None
    keys = [(row, (cells.get("service", ""), cells.get("zone", ""))) for row, cells in rows.cells]
    report_duplicates(keys, "service and zone", "zone", log)
    for row, (_, zone) in keys:
        _check_zone_reference(row, zone, known_ids, log)
    transits = [r for r in rows.records.values() if isinstance(r, Transit)]
    return transits, {(service, zone) for _, (service, zone) in keys}


def _load_rates(
    folder: Path,
    known_ids: KnownIds,
    transit_keys: set[tuple[str, str]] | None,
    log: ErrorLog,
) -> tuple[list[Rate], set[str] | None]:
    """Rate rows; each (service, zone) priced must also have a transit time."""
    rows = read_rows(folder, RATES, log)
    if rows is None:
        return [], None
    rates_by_row = {row: r for row, r in rows.records.items() if isinstance(r, Rate)}
    bands = [(row, (r.service, r.zone, f"{r.max_kg:g}")) for row, r in rates_by_row.items()]
    report_duplicates(bands, "service, zone and max_kg", "max_kg", log)
    keys = [(row, (cells.get("service", ""), cells.get("zone", ""))) for row, cells in rows.cells]
    reported_pairs: set[tuple[str, str]] = set()
    for row, (service, zone) in keys:
        if not _check_zone_reference(row, zone, known_ids, log) or not service or not zone:
            continue
        pair = (service, zone)
        if transit_keys is not None and pair not in transit_keys and pair not in reported_pairs:
            reported_pairs.add(pair)
            log.add(
                row, "zone", f"no transit time for {service} in zone {zone!r} in {TRANSIT_FILE}"
            )
    return list(rates_by_row.values()), {zone for _, (_, zone) in keys}


def _load_settings(folder: Path, log: ErrorLog) -> Settings | None:
    """Spec §4; keys left out take the defaults of `Settings`."""
    text = read_text(folder / SETTINGS_FILE, log)
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
        for error in root_causes(exc):
            message = friendly_message(error, Settings, got=None)
            if error["type"] == "extra_forbidden":
                message = f"unknown setting (known: {', '.join(Settings.model_fields)})"
            log.add(None, field_path(error["loc"]), message)
        return None
    return None if log else settings
