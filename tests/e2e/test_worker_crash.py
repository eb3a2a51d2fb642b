"""A handler process that dies is replaced, as Lambda replaces a container: the request it was
serving gets a 502 with a JSON error, every later request is served. Killed through the
test-only fault injection (`X-Omniroute-Fault`, omniroute/local/faults.py) and from outside."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from omniroute.local import faults
from omniroute.local.stack import LocalStack, start_local_stack
from tests.integration.api_client import ApiClient, Reply
from tests.integration.conftest import demo_orders


@pytest.fixture(scope="module")
def crashable() -> Iterator[LocalStack]:
    """One worker, so a request after a crash can only be served by its replacement."""
    stack = start_local_stack(workers=1, fault_injection=True)
    yield stack
    stack.stop()


@pytest.fixture()
def api(crashable: LocalStack) -> Iterator[ApiClient]:
    client = ApiClient(crashable.url)
    yield client
    client.close()


def order(order_id: str) -> dict[str, Any]:
    return {**demo_orders()[5], "order_id": order_id}


def post_order(api: ApiClient, order_id: str, fault: str | None = None) -> Reply:
    headers = {faults.FAULT_HEADER: fault} if fault else {}
    return api.post("/v1/orders", order(order_id), headers=headers)


def worker_of(reply: Reply) -> int:
    return int(reply.headers[faults.WORKER_HEADER])


def test_every_answer_lists_the_aws_calls_its_handler_made(api: ApiClient) -> None:
    reply = post_order(api, "calls-1")
    assert reply.status == 201, reply.body
    calls = reply.headers[faults.CALLS_HEADER].split(",")
    assert "dynamodb:TransactWriteItems" in calls
    assert all(call.startswith("dynamodb:") for call in calls)


def test_a_worker_killed_mid_request_answers_502_and_the_next_request_is_served(
    api: ApiClient, crashable: LocalStack
) -> None:
    before = crashable.api_workers.replaced
    crashed = post_order(api, "crash-1", fault="kill-after-call=1")
    assert crashed.status == 502
    assert crashed.body["code"] == "handler_crashed"
    assert "SIGKILL" in crashed.body["message"]
    served = post_order(api, "crash-2")
    assert served.status == 201, served.body
    assert worker_of(served) != worker_of(crashed)
    assert crashable.api_workers.replaced == before + 1
    assert api.get("/v1/orders/crash-2").status == 200


@pytest.mark.parametrize("fault", ["kill-before-call=1", "kill-after-handler"])
def test_each_kill_point_is_a_502_then_service_goes_on(api: ApiClient, fault: str) -> None:
    name = fault.replace("=", "-")  # an order id has no "=" (functions/api/ids.py)
    crashed = post_order(api, f"point-{name}", fault=fault)
    assert crashed.status == 502, crashed.body
    assert post_order(api, f"after-{name}").status == 201


def test_killed_before_its_first_call_a_request_wrote_nothing(api: ApiClient) -> None:
    assert post_order(api, "never-1", fault="kill-before-call=1").status == 502
    assert api.get("/v1/orders/never-1").status == 404


def test_a_worker_killed_while_idle_is_replaced(api: ApiClient, crashable: LocalStack) -> None:
    (pid,) = crashable.api_workers.pids()
    os.kill(pid, signal.SIGKILL)
    # The pool notices the death on its own (nothing to await from here): a generous bound,
    # left as soon as it has.
    deadline = time.monotonic() + 60
    while pid in crashable.api_workers.pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pid not in crashable.api_workers.pids()
    reply = api.get("/openapi.json")
    assert reply.status == 200
    assert worker_of(reply) != pid


def test_a_malformed_fault_header_is_a_400_naming_it(api: ApiClient) -> None:
    reply = post_order(api, "bad-fault-1", fault="kill-sometime")
    assert reply.status == 400
    assert faults.FAULT_HEADER in reply.body["message"]


def test_fault_points_are_parsed_strictly() -> None:
    assert faults.parse_fault("kill-before-call=3") == faults.Fault("before-call", 3)
    assert faults.parse_fault(" kill-after-call=12 ") == faults.Fault("after-call", 12)
    assert faults.parse_fault("kill-after-handler") == faults.Fault("after-handler")
    for bad in ("kill-before-call=0", "kill-after-call=", "kill-after-call=-1", "kill", ""):
        with pytest.raises(faults.InvalidFault):
            faults.parse_fault(bad)


def test_a_crash_answer_is_json_in_the_api_error_shape(api: ApiClient) -> None:
    crashed = post_order(api, "shape-1", fault="kill-after-call=2")
    assert crashed.status == 502
    assert set(crashed.body) == {"code", "message", "errors"}
    assert json.loads(json.dumps(crashed.body))["errors"] == []
