"""Load a dataset folder into a `Dataset`, or every error it has: the entry points.

Each entry point runs with the cyclic garbage collector paused (see below)."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from solver.loading.errors import ErrorLog, LoadError
from solver.loading.files import ORDERS_FILE, folder_problem
from solver.loading.network_files import KnownIds, read_network_parts
from solver.loading.orders import load_orders, parse_order_lines, unknown_references
from solver.models import Node, Order, Rate, Settings, Sku, StockRow, Transit, Zone
from solver.network import Dataset, Network, build_network


@dataclass(frozen=True)
class LoadResult:
    """A loaded dataset, or the errors that stopped it (all of them, at once)."""

    dataset: Dataset | None
    """None whenever there is any error."""
    errors: tuple[LoadError, ...]


def load_dataset(folder: Path, orders_path: Path | None = None) -> LoadResult:
    """Load a dataset folder and its orders (`folder / "orders.jsonl"` unless given)."""
    with _garbage_collection_paused():
        return _load_dataset(Path(folder), orders_path)


def _load_dataset(folder: Path, orders_path: Path | None) -> LoadResult:
    folder_error = folder_problem(folder)
    if folder_error is not None:
        return LoadResult(None, (folder_error,))
    parts = read_network_parts(folder)
    network = parts.build() if not parts.errors else None
    known_ids = KnownIds.of_network(network) if network is not None else parts.known_ids
    orders_label = ORDERS_FILE if orders_path is None else str(orders_path)
    orders, order_errors = load_orders(orders_path or folder / ORDERS_FILE, orders_label, known_ids)
    errors = (*parts.errors, *order_errors)
    if errors or network is None:
        return LoadResult(None, errors)
    name = folder.name or folder.resolve().name
    return LoadResult(Dataset(name=name, network=network, orders=orders), ())


def load_network(folder: Path) -> tuple[Network | None, tuple[LoadError, ...]]:
    """Load everything but the orders."""
    folder_error = folder_problem(Path(folder))
    if folder_error is not None:
        return None, (folder_error,)
    with _garbage_collection_paused():
        parts = read_network_parts(Path(folder))
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
    folder_error = folder_problem(Path(folder))
    if folder_error is not None:
        return None, (folder_error,)
    with _garbage_collection_paused():
        parts = read_network_parts(Path(folder))
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
        return parse_order_lines(lines, KnownIds.of_network(network), ErrorLog(source))


def validate_order(order: Order, network: Network, source: str, row: int | None) -> list[LoadError]:
    """Cross-check one parsed order against the network: its SKUs and pickup node exist."""
    known_ids = KnownIds.of_network(network)
    line_skus = [(i, line.sku) for i, line in enumerate(order.lines)]
    return [
        LoadError(source, row, column, message)
        for column, message in unknown_references(order.pickup_node, line_skus, known_ids)
    ]


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
