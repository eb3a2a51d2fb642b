"""Domain events on the EventBridge bus (EVENT_BUS_NAME): what changed (a node, stock, a
rejection) for the reallocation triggers, and `OrderReallocated` for whoever acts on a move.

PutEvents takes at most 10 entries per call and may refuse some of them (throttling,
internal errors): those are re-sent with backoff. With no bus configured nothing is sent (a
deployment without the reallocation workflow).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import boto3

from functions.dal.client import backoff_delay, boto_config
from functions.settings import current_settings

SOURCE = "omniroute"
ENTRIES_PER_CALL = 10
ATTEMPTS = 6

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def events_client() -> Any:
    """One client per process (its endpoint: AWS_ENDPOINT_URL_EVENTBRIDGE on the local stack)."""
    with _lock:
        if "events" not in _clients:
            _clients["events"] = boto3.session.Session().client("events", config=boto_config())
        return _clients["events"]


class PublishFailed(RuntimeError):
    """Some events could not be put on the bus after every retry."""


def publish(detail_type: str, details: Sequence[Mapping[str, Any]]) -> int:
    """Put one event per detail on the bus; returns how many were sent (0: no bus)."""
    bus = current_settings().event_bus_name
    if bus is None or not details:
        return 0
    entries = [
        {
            "EventBusName": bus,
            "Source": SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(detail, separators=(",", ":"), sort_keys=True),
        }
        for detail in details
    ]
    for start in range(0, len(entries), ENTRIES_PER_CALL):
        _put(entries[start : start + ENTRIES_PER_CALL])
    return len(entries)


def _put(entries: list[dict[str, Any]]) -> None:
    pending = entries
    for attempt in range(ATTEMPTS):
        answer = events_client().put_events(Entries=pending)
        if not answer.get("FailedEntryCount"):
            return
        pending = [
            entry
            for entry, result in zip(pending, answer["Entries"], strict=True)
            if result.get("ErrorCode")
        ]
        time.sleep(backoff_delay(attempt))
    raise PublishFailed(f"{len(pending)} events could not be put on the bus")
