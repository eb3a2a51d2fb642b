"""Faster transactions for the embedded DynamoDB (moto), same all-or-nothing result.

moto's `transact_write_items` deep-copies every table a transaction touches so that it can roll
back: with a few hundred stock items and a growing orders table that copy is most of a
`POST /v1/orders` on the local stack (about 25 of 50 ms, measured with bench/api_breakdown.py).
This patch snapshots only the items the transaction names (at most 100) and restores those on
failure. It relies on the embedded server handling one DynamoDB request at a time
(`omniroute/local/moto_server.py`), so nothing else can change an item between snapshot and restore.

It is applied only to the embedded server's process and only if moto looks as expected;
otherwise moto's own behaviour stays.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable, Iterator
from typing import Any

_PATCHED = "_omniroute_item_snapshots"


class _NoTableCopies(types.ModuleType):
    """Stands in for the `copy` module inside moto's DynamoDB backend: deep copies of whole
    tables become no-ops (the item snapshots below replace them). So do the copies of an item
    that `update_item` takes before changing it, whose only use is the old image of a stream
    record, while no table in the process has a stream. Everything else is copied."""

    def __init__(self, table_type: type, item_type: type, streams_in_use: Callable[[], bool]):
        super().__init__("copy")
        self._table_type = table_type
        self._item_type = item_type
        self._streams_in_use = streams_in_use

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        if isinstance(value, self._item_type) and not self._streams_in_use():
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _item_key(table: Any, operation: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    key = operation["Key"] if "Key" in operation else operation["Item"]
    hash_value = DynamoType(key[table.hash_key_attr])
    range_attr = table.range_key_attr
    range_value = DynamoType(key[range_attr]) if range_attr and range_attr in key else None
    return hash_value, range_value


def _restore(table: Any, hash_value: Any, range_value: Any, saved: Any) -> None:
    table.delete_item(hash_value, range_value)
    if saved is None:
        return
    if range_value is not None:
        table.items[hash_value][range_value] = saved
    else:
        table.items[hash_value] = saved


def _all_backends(backends: Any) -> Iterator[Any]:
    for regions in backends.values():
        yield from regions.values()


def install() -> bool:
    """Patch moto's DynamoDB backend in this process; False if moto is not as expected."""
    try:
        import moto.dynamodb.models as backend_module
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.dynamo_type import Item
        from moto.dynamodb.models.table import Table
    except ImportError:
        return False
    original: Callable[..., Any] = DynamoDBBackend.transact_write_items
    if getattr(original, _PATCHED, False) or getattr(backend_module, "copy", None) is not copy:
        return bool(getattr(original, _PATCHED, False))

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> Any:
        snapshots = []
        for action in transact_items[:100]:
            operation = next(iter(action.values()), None)
            if not isinstance(operation, dict) or operation.get("TableName") not in self.tables:
                continue
            table = self.tables[operation["TableName"]]
            try:
                hash_value, range_value = _item_key(table, operation)
            except (KeyError, TypeError, ValueError):
                continue  # a malformed action: moto rejects it before writing anything
            saved = copy.deepcopy(table.get_item(hash_value, range_value))
            snapshots.append((table, hash_value, range_value, saved))
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, saved in reversed(snapshots):
                _restore(table, hash_value, range_value, saved)
            raise

    setattr(transact_write_items, _PATCHED, True)

    def streams_in_use() -> bool:
        return any(
            table.stream_shard is not None
            for backend in _all_backends(backend_module.dynamodb_backends)
            for table in backend.tables.values()
        )

    backend_module.copy = _NoTableCopies(Table, Item, streams_in_use)
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    return True
