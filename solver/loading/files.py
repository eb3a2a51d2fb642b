"""The files of a dataset folder (spec §1, §2, §4) and reading one as text."""

from __future__ import annotations

from pathlib import Path

from solver.loading.errors import ErrorLog, LoadError

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


def folder_problem(folder: Path) -> LoadError | None:
    if not folder.exists():
        return LoadError(str(folder), None, None, "dataset folder not found")
    if not folder.is_dir():
        return LoadError(str(folder), None, None, "is not a folder")
    return None


def read_text(path: Path, log: ErrorLog) -> str | None:
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
