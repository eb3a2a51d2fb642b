"""Schemathesis over every operation of the API's own OpenAPI document (issue 12), with every
check and in every phase: examples, coverage, fuzzing, and stateful (sequences along the
document's links, e.g. create an order, then cancel or reject it). No 5xx, answers within 10 s,
every status, body, content type and header as documented, schema-valid data accepted (and
never refused for its shape: tests/e2e/schemathesis_hooks.py), invalid data refused, methods
the document does not list refused. Against the local stack (moto's DynamoDB over HTTP),
generation deterministic (the same cases every run, so a failure reproduces).

`tests/e2e/schemathesis.toml` holds the ids that let the cases reach the routing logic and why a
422 is an acceptable answer to schema-valid data. By hand, against `omniroute serve` (after
creating the orders of `_create_orders`):
`SCHEMATHESIS_HOOKS=tests/e2e/schemathesis_hooks.py st --config-file tests/e2e/schemathesis.toml
run http://127.0.0.1:8000/openapi.json` with the options of `COMMAND`."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import schemathesis

from omniroute.local.stack import LocalStack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders

HERE = Path(__file__).parent
EXAMPLES_PER_OPERATION = 50
"""Hypothesis examples per operation in the fuzzing phase (the coverage phase adds its boundary
and negative cases; the stateful phase its own sequences): ~1,800 requests, ~40 s."""
OPERATIONS = 17
"""11 of the routing API, 3 of /v1/scenarios, 3 of reallocation (shipment events, reallocations)."""
ORDERS = [f"fuzz-{n}" for n in range(1, 5)]
"""Orders created before the run, the ids of the config's `orders` dictionary."""
COMMAND = [
    "--checks",
    "all",
    "--phases",
    "examples,coverage,fuzzing,stateful",
    "--generation-deterministic",
    "--max-examples",
    str(EXAMPLES_PER_OPERATION),
    # One worker: with two, hypothesis describes filter lambdas with ast.parse from two threads
    # at once, and CPython 3.11.7's recursion-depth check in ast.parse is not thread-safe
    # ("SystemError: AST constructor recursion depth mismatch"); a fresh CI run hit it.
    "--workers",
    "1",
    "--request-timeout",
    "60",
]


def _operations(stack: LocalStack) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_url(f"{stack.url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def _create_orders(stack: LocalStack) -> None:
    api = ApiClient(stack.url)
    for order_id in ORDERS:
        order = {**copy.deepcopy(demo_orders()[0]), "order_id": order_id}
        assert api.post("/v1/orders", order).status == 201
    api.close()


def test_the_fuzzer_sees_every_operation(stack: LocalStack) -> None:
    assert len(_operations(stack)) == OPERATIONS


def test_every_operation_passes_every_check(stack: LocalStack, tmp_path: Path) -> None:
    _create_orders(stack)
    report = tmp_path / "report.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{stack.url}/openapi.json",
        *COMMAND,
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    environment = {
        **os.environ,
        "NO_COLOR": "1",
        "SCHEMATHESIS_HOOKS": str(HERE / "schemathesis_hooks.py"),
    }
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=900, cwd=tmp_path, env=environment
    )
    summary = json.loads(report.read_text()) if report.exists() else {}
    assert run.returncode == 0, f"{run.stdout[-8000:]}\n{run.stderr[-2000:]}\n{summary}"
    assert f"{OPERATIONS} selected / {OPERATIONS} total" in run.stdout
