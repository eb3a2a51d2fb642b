"""The network config as stored in DynamoDB (tables `nodes` and `config`): read through a
per-process cache, and node and config document writes.

Nodes and config (zones, rates, transit, settings) change rarely, so a `NetworkConfig` is cached
per Lambda container and reloaded only when the `version` item of the config table moves (it is
read in the same BatchGetItem as the order's stock, `order_inputs.py`). Every write of a node or
a config document moves the version in the same transaction.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from functions.dal.client import ConditionFailed, batch_get, scan_all
from functions.dal.codec import decode_item, dumps, encode, encode_item
from solver.models import Node, Rate, Settings, Transit, Zone
from solver.network import Network, build_network

if TYPE_CHECKING:
    from functions.dal.database import Database

CONFIG_NAMES = ("zones", "rates", "transit", "settings")
VERSION_KEY = {"name": "version"}


@dataclass(frozen=True)
class NetworkConfig:
    """Everything but stock: nodes and the config documents, with the version they were read at.

    `base` is a network without SKUs whose rate/transit/zone arrays are shared by every
    per-order network (they take a few ms to build, so they are built once per version)."""

    version: int
    nodes: tuple[Node, ...]
    zones: tuple[Zone, ...]
    rates: tuple[Rate, ...]
    transits: tuple[Transit, ...]
    settings: Settings
    base: Network

    @classmethod
    def build(
        cls,
        version: int,
        nodes: Sequence[Node],
        zones: Sequence[Zone],
        rates: Sequence[Rate],
        transits: Sequence[Transit],
        settings: Settings,
    ) -> NetworkConfig:
        ordered = tuple(sorted(nodes, key=lambda n: n.node_id))
        base = build_network(ordered, [], [], zones, rates, transits, settings)
        return cls(version, ordered, tuple(zones), tuple(rates), tuple(transits), settings, base)

    def node(self, node_id: str) -> Node | None:
        index = self.base.node_index.get(node_id)
        return None if index is None else self.nodes[index]


def config_from_items(
    version: int, node_items: Iterable[Mapping[str, Any]], config_items: Iterable[Mapping[str, Any]]
) -> NetworkConfig:
    docs = {
        item["name"]: json.loads(item["document"]) for item in config_items if "document" in item
    }
    return NetworkConfig.build(
        version,
        [node_from_item(item) for item in node_items],
        [Zone.model_validate(row) for row in docs.get("zones", [])],
        [Rate.model_validate(row) for row in docs.get("rates", [])],
        [Transit.model_validate(row) for row in docs.get("transit", [])],
        Settings.model_validate(docs.get("settings", {})),
    )


def node_item(node: Node) -> dict[str, Any]:
    return node.model_dump(mode="json")


def node_from_item(item: Mapping[str, Any]) -> Node:
    fields = {k: v for k, v in item.items() if k in Node.model_fields}
    fields["channels"] = tuple(fields.get("channels") or ())
    return Node.model_validate(fields)


class ConfigCache:
    """The last `NetworkConfig` read, shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._config: NetworkConfig | None = None

    def get(self, version: int) -> NetworkConfig | None:
        with self._lock:
            config = self._config
        return config if config is not None and config.version == version else None

    def put(self, config: NetworkConfig) -> None:
        with self._lock:
            if self._config is None or config.version >= self._config.version:
                self._config = config


# --------------------------------------------------------------------------- reads


def network_config(db: Database, version: int | None = None) -> NetworkConfig:
    """The cached config if `version` (read by the caller) matches, else a fresh read."""
    if version is None:
        version = config_version(db)
    cached = db.config_cache.get(version)
    if cached is not None:
        return cached
    nodes = scan_all(db.client, db.table("nodes"))
    docs = batch_get(db.client, {db.table("config"): [{"name": n} for n in CONFIG_NAMES]})
    config = config_from_items(version, nodes, docs[db.table("config")])
    db.config_cache.put(config)
    return config


def node_now(db: Database, node_id: str) -> Node | None:
    """One node's record as stored now (a strongly consistent read, not the cached config)."""
    response = db.client.get_item(
        TableName=db.table("nodes"), Key=encode_item({"node_id": node_id}), ConsistentRead=True
    )
    item = response.get("Item")
    return None if item is None else node_from_item(decode_item(item))


def config_version(db: Database) -> int:
    response = db.client.get_item(
        TableName=db.table("config"), Key=encode_item(VERSION_KEY), ConsistentRead=True
    )
    return int(decode_item(response.get("Item", {})).get("version", 0))


def config_document(db: Database, name: str) -> Any:
    response = db.client.get_item(
        TableName=db.table("config"), Key=encode_item({"name": name}), ConsistentRead=True
    )
    item = decode_item(response.get("Item", {}))
    return json.loads(item["document"]) if "document" in item else None


# --------------------------------------------------------------------------- writes


def bump_version_action(db: Database) -> dict[str, Any]:
    """A transaction action that moves the config version (invalidates every cache)."""
    return {
        "Update": {
            "TableName": db.table("config"),
            "Key": encode_item(VERSION_KEY),
            "UpdateExpression": "ADD version :one",
            "ExpressionAttributeValues": {":one": encode(1)},
        }
    }


def put_config_document(db: Database, name: str, document: Any) -> None:
    """Replace one config document and move the version, atomically."""
    db.client.transact_write_items(
        TransactItems=[
            {
                "Put": {
                    "TableName": db.table("config"),
                    "Item": encode_item({"name": name, "document": dumps(document)}),
                }
            },
            bump_version_action(db),
        ]
    )


def put_node(db: Database, node: Node, expected: Node | None) -> None:
    """Write a node record; with `expected`, only if the stored one is still that record
    (else `ConditionFailed`: re-read and merge)."""
    put: dict[str, Any] = {
        "TableName": db.table("nodes"),
        "Item": encode_item(node_item(node)),
    }
    if expected is not None:
        put["ConditionExpression"] = "active = :active AND kind = :kind"
        put["ExpressionAttributeValues"] = {
            ":active": encode(expected.active),
            ":kind": encode(expected.kind),
        }
    try:
        db.client.transact_write_items(TransactItems=[{"Put": put}, bump_version_action(db)])
    except ClientError as error:
        if "ConditionalCheckFailed" in json.dumps(error.response):
            raise ConditionFailed(f"node {node.node_id!r} changed meanwhile") from error
        raise
