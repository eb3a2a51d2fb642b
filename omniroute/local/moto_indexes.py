"""Faster queries of a global secondary index for the embedded DynamoDB (moto), same answers.

moto answers a Query on an index by walking every item of the table, sizing each result by the
whole item (not by what the index projects), deep-copying the whole items and projecting them
only at the end. DynamoDB reads an index's own, projected items: a page of 1 MB holds that many
projected items. With the `open_orders` index (a few hundred bytes projected out of an order
record of several KB) moto cut 5,000 open orders into dozens of pages, each one walking the
table again: 18 s for a reallocation to find its orders on the drill's table, against well under
a second here (measured with 5,000 records of 8 KB).

The patch runs moto's own query on a view of the table whose items are the index's projections
of the items the index holds (those that have its key attributes: a sparse index holds only
those), so pages, sizes, order and copies follow the index, as on DynamoDB. Queries of the table
itself, and indexes that project ALL, go to moto unchanged. Applied only in the embedded
server's process, and only if moto looks as expected.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PATCHED = "_omniroute_projected_index_queries"


class _IndexView:
    """A table seen through one of its indexes: `all_items` yields the index's projected items
    (of the items with `hash_value` as the index's hash key, when given); everything else is
    the table's."""

    def __init__(self, table: Any, index: Any, item_type: type, hash_value: Any) -> None:
        self._table = table
        self._index = index
        self._item_type = item_type
        self._hash_value = hash_value
        self._keys = [key["AttributeName"] for key in index.schema]
        kept = [*index.table_key_attrs, *self._keys]
        if index.projection.get("ProjectionType") == "INCLUDE":
            kept += index.projection.get("NonKeyAttributes", [])
        self._kept = list(dict.fromkeys(kept))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def get_index(self, name: str) -> Any:
        """The index, whose `project` moto calls on each result: they are projected already."""
        return _Projected() if name == self._index.name else self._table.get_index(name)

    def _projected(self, item: Any) -> Any:
        # moto's Item.project converts the whole item to JSON once per attribute kept.
        projected = self._item_type(item.hash_key, item.range_key, {})
        for name in self._kept:
            if name in item.attrs:
                dict.__setitem__(projected.attrs, name, item.attrs[name])  # no size re-check
        return projected

    def all_items(self) -> list[Any]:
        hash_key = self._keys[0]
        return [
            self._projected(item)
            for item in self._table.all_items()
            if all(item.attrs.get(k) is not None for k in self._keys)
            and (self._hash_value is None or item.attrs.get(hash_key) == self._hash_value)
        ]


class _Projected:
    @staticmethod
    def project(item: Any) -> Any:
        return item


INDEX_NAME_ARGUMENT = 7
"""Position of `index_name` among `Table.query`'s arguments after self (moto passes it so)."""


def _fast(original: Callable[..., Any], item_type: type) -> Callable[..., Any]:
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs.get("index_name")
        if name is None and len(args) > INDEX_NAME_ARGUMENT:
            name = args[INDEX_NAME_ARGUMENT]
        index = None
        if name:
            index = next((i for i in self.all_indexes() if i.name == name), None)
        projection = (getattr(index, "projection", None) or {}).get("ProjectionType")
        if index is None or projection not in ("INCLUDE", "KEYS_ONLY"):
            return original(self, *args, **kwargs)
        hash_value = args[0] if args else kwargs.get("hash_key")
        return original(_IndexView(self, index, item_type, hash_value), *args, **kwargs)

    setattr(query, _PATCHED, True)
    return query


def install() -> bool:
    """Patch moto's `Table.query`; False (nothing patched) if moto is not as expected."""
    try:
        from moto.dynamodb.models.dynamo_type import Item
        from moto.dynamodb.models.table import SecondaryIndex, Table
    except ImportError:
        return False
    if not hasattr(Table, "query") or not hasattr(SecondaryIndex, "project"):
        return False
    if getattr(Table.query, _PATCHED, False):
        return True
    Table.query = _fast(Table.query, Item)  # type: ignore[method-assign]
    return True
