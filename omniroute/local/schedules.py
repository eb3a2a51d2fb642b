"""The template's scheduled functions, run by the local stack: moto's EventBridge never fires a
schedule, so `omniroute serve` calls each function that has a `Schedule` event in template.yaml
itself, at its `rate(...)`, from a background thread (the order sweeper, SweeperFunction).

The handler runs in the serve process, with the environment the stack set for the handlers,
and gets a scheduled EventBridge event; an exception is logged and the next run comes as
planned, as on AWS. `run_now` runs one at once (tests).
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omniroute.local.events import LOCAL_ACCOUNT, LambdaContext
from omniroute.local.template import TEMPLATE, functions

log = logging.getLogger(__name__)

_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Schedule:
    """A function the template runs on a schedule: its logical id, `Handler:` string and
    period in seconds."""

    function: str
    handler: str
    seconds: float


def rate_seconds(expression: str) -> float:
    """`rate(5 minutes)` -> 300.0 (EventBridge's rate expressions; cron is not supported)."""
    found = re.fullmatch(r"rate\(\s*(\d+)\s+(minute|hour|day)s?\s*\)", expression.strip())
    if found is None:
        raise ValueError(f"not a rate expression the local stack can run: {expression!r}")
    return float(int(found.group(1)) * _UNIT_SECONDS[found.group(2)])


def schedules(path: Path = TEMPLATE) -> tuple[Schedule, ...]:
    """Every `Schedule` event of the template's functions."""
    found = []
    for name, function in sorted(functions(path).items()):
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "Schedule":
                seconds = rate_seconds(str(event["Properties"]["Schedule"]))
                found.append(Schedule(name, str(function["Properties"]["Handler"]), seconds))
    return tuple(found)


def scheduled_event(function: str) -> dict[str, Any]:
    """What EventBridge hands a function on a scheduled run."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": "us-east-1",
        "resources": [f"arn:aws:events:us-east-1:{LOCAL_ACCOUNT}:rule/{function}"],
        "detail": {},
    }


def _handler(dotted: str) -> Callable[[dict[str, Any], Any], Any]:
    module, _, attribute = dotted.rpartition(".")
    handler: Callable[[dict[str, Any], Any], Any] = getattr(
        importlib.import_module(module), attribute
    )
    return handler


class LocalSchedules:
    """Runs each schedule every `seconds` (or every `period`, when given) until stopped."""

    def __init__(self, planned: tuple[Schedule, ...], period: float | None = None) -> None:
        self.planned = {s.function: s for s in planned}
        self.period = period
        self.runs: dict[str, int] = {s.function: 0 for s in planned}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> LocalSchedules:
        for schedule in self.planned.values():
            thread = threading.Thread(
                target=self._loop, args=(schedule,), name=f"schedule-{schedule.function}"
            )
            thread.daemon = True
            thread.start()
            self._threads.append(thread)
        return self

    def run_now(self, function: str) -> Any:
        """Run a scheduled function once, now; its answer (an exception propagates)."""
        schedule = self.planned[function]
        result = _handler(schedule.handler)(
            scheduled_event(function), LambdaContext(function_name=function)
        )
        self.runs[function] += 1
        return result

    def _loop(self, schedule: Schedule) -> None:
        while not self._stop.wait(self.period or schedule.seconds):
            try:
                self.run_now(schedule.function)
            except Exception:  # as on AWS: logged, and the next run comes on time
                log.exception("scheduled run of %s failed", schedule.function)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
