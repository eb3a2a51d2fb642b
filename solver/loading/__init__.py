"""Read a dataset folder (spec §1, §2, §4) into a `Dataset`, or say precisely what is wrong.

Every mistake is collected as a `LoadError` naming the file, row and column, all at once; any
error means no dataset, so nothing is ever planned on bad data. Per-record rules live in
`solver/models.py` (pydantic); the rules that need several rows or files live here:

- `dataset.py`        the entry points below
- `network_files.py`  nodes, SKUs, inventory, zones, rates, transit, settings, cross-checked
- `orders.py`         the orders file (JSONL)
- `csv_tables.py`     CSV files whose columns are a model's fields
- `messages.py`       pydantic's errors as sentences
- `errors.py`         `LoadError` and the per-file error log
- `files.py`          the file names of a dataset folder
"""

from solver.loading.dataset import (
    LoadResult,
    NetworkRecords,
    load_dataset,
    load_network,
    load_network_records,
    parse_orders,
    validate_order,
)
from solver.loading.errors import MAX_ERRORS_PER_FILE, LoadError
from solver.loading.files import (
    INVENTORY_FILE,
    NETWORK_FILES,
    NODES_FILE,
    ORDERS_FILE,
    RATES_FILE,
    SETTINGS_FILE,
    SKUS_FILE,
    TRANSIT_FILE,
    ZONES_FILE,
)
from solver.loading.orders import whole_order_problems

__all__ = [
    "INVENTORY_FILE",
    "MAX_ERRORS_PER_FILE",
    "NETWORK_FILES",
    "NODES_FILE",
    "ORDERS_FILE",
    "RATES_FILE",
    "SETTINGS_FILE",
    "SKUS_FILE",
    "TRANSIT_FILE",
    "ZONES_FILE",
    "LoadError",
    "LoadResult",
    "NetworkRecords",
    "load_dataset",
    "load_network",
    "load_network_records",
    "parse_orders",
    "validate_order",
    "whole_order_problems",
]
