"""Helpers for the state machine tests: walking a definition's states (Map processors included)
and a moto server over HTTP with Step Functions execution on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from moto.server import ThreadedMotoServer

REGION = "us-east-1"


def all_state_sets(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(StartAt, States) of the machine and of every Map's processor inside it."""
    yield machine["StartAt"], machine["States"]
    for state in machine["States"].values():
        if state["Type"] == "Map":
            yield from all_state_sets(state["ItemProcessor"])


def targets(state: dict[str, Any]) -> list[str]:
    out = [state[k] for k in ("Next", "Default") if k in state]
    out += [choice["Next"] for choice in state.get("Choices", [])]
    out += [catch["Next"] for catch in state.get("Catch", [])]
    return out


def assert_every_state_reachable(machine: dict[str, Any]) -> None:
    """Every transition names a state, every state ends or goes on, every state is reached."""
    for start, states in all_state_sets(machine):
        assert start in states
        for name, state in states.items():
            for target in targets(state):
                assert target in states, f"{name} -> {target}"
            ends = state["Type"] in ("Succeed", "Fail") or state.get("End") is True
            assert ends or "Next" in state or state["Type"] == "Choice", name
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += targets(states[name])
        assert seen == set(states)


@contextmanager
def moto_endpoint(monkeypatch: pytest.MonkeyPatch, **environment: str) -> Iterator[str]:
    """moto's server on a free port (its URL), test credentials in the environment, Step
    Functions executing definitions; `environment` adds variables (`{url}` is replaced)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        # moto's state-machine interpreter calls S3 (the ItemReader) at localhost:$MOTO_PORT.
        "MOTO_PORT": str(port),
        **{k: v.replace("{url}", url) for k, v in environment.items()},
    }.items():
        monkeypatch.setenv(key, value)
    config = f"{url}/moto-api/config"
    requests.post(config, json={"stepfunctions": {"execute_state_machine": True}})
    try:
        yield url
    finally:
        requests.post(config, json={"stepfunctions": {"execute_state_machine": False}})
        server.stop()
