"""The DynamoDB tables of one deployment: the client, the physical table names and the network
config cache. Every access pattern in `dal/` takes a `Database`; `current_database()` is the one
the handlers share, one per DynamoDB endpoint and table set (so a process that starts several
local stacks, as the tests do, never talks to a stale endpoint)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from functions.dal.client import dynamodb_client, table_names
from functions.dal.network_config import ConfigCache
from functions.settings import current_settings, no_table


class Database:
    """The DynamoDB tables of one deployment (names from the environment by default)."""

    def __init__(self, client: Any | None = None, names: Mapping[str, str] | None = None) -> None:
        self.client = client or dynamodb_client()
        self.names = dict(names or table_names())
        self.config_cache = ConfigCache()

    def table(self, logical: str) -> str:
        name = self.names.get(logical)
        if name is None:
            raise no_table(logical)
        return name


_lock = threading.Lock()
_databases: dict[tuple[Any, ...], Database] = {}


def database_key() -> tuple[Any, ...]:
    """Which deployment the environment names: the endpoint and every table name."""
    return (current_settings().dynamodb_endpoint_url, tuple(sorted(table_names().items())))


def current_database() -> Database:
    key = database_key()
    with _lock:
        database = _databases.get(key)
        if database is None:
            database = _databases[key] = Database(dynamodb_client(key[0]), table_names())
        return database
