"""Test-only fault injection: kill the handler's worker process at a chosen AWS call, the way a
Lambda timeout or out-of-memory kill ends a container mid-request.

Off unless the stack is started with `fault_injection=True` (or `omniroute serve` with
OMNIROUTE_FAULT_INJECTION=1). Then a request may carry `X-Omniroute-Fault` with one of

- `kill-before-call=N`: SIGKILL the worker just before the handler's N-th AWS call (1-based) is
  sent, so calls 1..N-1 happened and N did not;
- `kill-after-call=N`: SIGKILL it just after the N-th call's answer came back (DynamoDB applied
  it, or refused it), before the handler sees the answer;
- `kill-after-handler`: SIGKILL it after the handler returned, before its answer is sent;
- `error-at-call=N`: the N-th call is not sent and fails as DynamoDB's `InternalServerError`
  would (after botocore's retries), so the handler meets an AWS error mid-way and lives on.

Every answer then carries `X-Omniroute-Aws-Calls`, the calls the handler made in order (e.g.
`dynamodb:BatchGetItem,dynamodb:TransactWriteItems,dynamodb:PutItem`), so a harness can first
count a request's calls and then kill it at each one, and `X-Omniroute-Worker-Pid`. A request
whose worker was killed is answered 502 `handler_crashed`; the pool starts a replacement.
Calls are counted at botocore's `BaseClient._make_api_call` (one per API call, retries
included in it), in the worker process only.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

FAULT_HEADER = "X-Omniroute-Fault"
CALLS_HEADER = "X-Omniroute-Aws-Calls"
WORKER_HEADER = "X-Omniroute-Worker-Pid"
FAULT_INJECTION_ENV = "OMNIROUTE_FAULT_INJECTION"

Point = Literal["before-call", "after-call", "after-handler", "error-at-call"]


@dataclass(frozen=True)
class Fault:
    """Where to kill the worker: at `point`, for the calls, the `call`-th AWS call."""

    point: Point
    call: int = 0


class InvalidFault(ValueError):
    pass


def parse_fault(value: str) -> Fault:
    """`kill-before-call=N`, `kill-after-call=N`, `kill-after-handler` or `error-at-call=N`."""
    text = value.strip()
    if text == "kill-after-handler":
        return Fault("after-handler")
    error = re.fullmatch(r"error-at-call=([1-9][0-9]{0,5})", text)
    if error is not None:
        return Fault("error-at-call", int(error.group(1)))
    found = re.fullmatch(r"kill-(before|after)-call=([1-9][0-9]{0,5})", text)
    if found is None:
        raise InvalidFault(
            f"{FAULT_HEADER} must be kill-before-call=N, kill-after-call=N, error-at-call=N "
            f"(N >= 1) or kill-after-handler, not {value!r}"
        )
    point: Point = "before-call" if found.group(1) == "before" else "after-call"
    return Fault(point, int(found.group(2)))


def kill_this_process() -> None:
    """SIGKILL: no cleanup, no flush, like a container that is gone."""
    os.kill(os.getpid(), signal.SIGKILL)


class _Armed:
    """The fault planned for the request the worker is serving, and the calls it made."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fault: Fault | None = None
        self.calls: list[str] = []

    def arm(self, fault: Fault | None) -> None:
        with self.lock:
            self.fault, self.calls = fault, []

    def record(self, call: str) -> tuple[int, Fault | None]:
        with self.lock:
            self.calls.append(call)
            return len(self.calls), self.fault


_armed = _Armed()


def arm(fault: Fault | None) -> None:
    """Called by the worker before each handler call."""
    _armed.arm(fault)


def calls_made() -> tuple[str, ...]:
    with _armed.lock:
        return tuple(_armed.calls)


def planned() -> Fault | None:
    with _armed.lock:
        return _armed.fault


def install() -> None:
    """Count (and maybe kill at) every AWS call this process makes through botocore."""
    from botocore.client import BaseClient

    original: Callable[..., Any] = BaseClient._make_api_call
    if getattr(original, "_omniroute_faults", False):
        return

    def _make_api_call(self: Any, operation_name: str, api_params: Any) -> Any:
        service = self.meta.service_model.service_name
        number, fault = _armed.record(f"{service}:{operation_name}")
        at_this_call = fault is not None and fault.call == number
        if at_this_call and fault is not None and fault.point == "before-call":
            kill_this_process()
        if at_this_call and fault is not None and fault.point == "error-at-call":
            from botocore.exceptions import ClientError

            raise ClientError(
                {"Error": {"Code": "InternalServerError", "Message": "injected fault"}},
                operation_name,
            )
        try:
            return original(self, operation_name, api_params)
        finally:
            if at_this_call and fault is not None and fault.point == "after-call":
                kill_this_process()

    _make_api_call._omniroute_faults = True  # type: ignore[attr-defined]
    BaseClient._make_api_call = _make_api_call
