"""The template's EventBridge rules on the local stack: the same event patterns
matched by moto's EventBridge, the same target function called with the event.

moto's EventBridge matches a rule's pattern but cannot deliver to Lambda (its Lambda needs
Docker) or to a state machine, and its schedules never fire. So each rule is created on the
local bus with its pattern from template.yaml and an SQS queue as target (one queue per target
function; moto delivers matching events into it inside PutEvents); a poller thread takes them
from the queues and invokes the target function's handler in the task worker pool, as
EventBridge invokes a Lambda target asynchronously: an event whose call fails stays in the
queue and comes back after the visibility timeout (EventBridge's retry). Schedules are not
here: `omniroute/local/schedules.py` runs every `Schedule` event of the template (the sweeper's
and the periodic re-optimisation's).

The queues are polled without long polling: the embedded server answers one request at a time,
and a waiting ReceiveMessage would hold every DynamoDB request behind it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omniroute.local.template import TEMPLATE, functions, resources
from omniroute.local.workers import PoolStopped, WorkerPool

log = logging.getLogger(__name__)

EVENT_BUS = "AWS::Events::EventBus"
POLL_SECONDS = 0.25
VISIBILITY_SECONDS = 30
"""A failed delivery comes back after this (EventBridge retries a failed Lambda target)."""


@dataclass(frozen=True)
class Rule:
    """An `EventBridgeRule` event of a function in the template."""

    name: str
    function: str
    bus: str
    """Logical id of the bus (an AWS::Events::EventBus of the template)."""
    pattern: dict[str, Any]


def _bus_of(properties: dict[str, Any]) -> str:
    bus = properties.get("EventBusName")
    if isinstance(bus, dict) and "Ref" in bus:
        return str(bus["Ref"])
    raise ValueError(f"a rule's EventBusName must be !Ref of a bus of the template, not {bus!r}")


def rules(template: Path = TEMPLATE) -> list[Rule]:
    found = []
    for name, function in functions(template).items():
        for event_name, event in function["Properties"].get("Events", {}).items():
            if event["Type"] == "EventBridgeRule":
                properties = event["Properties"]
                found.append(Rule(event_name, name, _bus_of(properties), properties["Pattern"]))
    return found


def target_handlers(template: Path = TEMPLATE) -> set[str]:
    """Handlers the rules invoke (the task pool imports them)."""
    targets = {r.function for r in rules(template)}
    return {str(functions(template)[t]["Properties"]["Handler"]) for t in targets}


def bus_variables(template: Path, buses: dict[str, str]) -> dict[str, str]:
    """Environment variables the template sets to a bus (`!Ref Bus`): its local name."""
    variables = {}
    for function in functions(template).values():
        for key, value in (
            function["Properties"].get("Environment", {}).get("Variables", {}).items()
        ):
            if isinstance(value, dict) and value.get("Ref") in buses:
                variables[key] = buses[value["Ref"]]
    return variables


@dataclass
class LocalEventBridge:
    """The template's buses and rules in moto at `aws_url`; matched events delivered to their
    target function in `pool` (see the module docstring)."""

    aws_url: str
    region: str
    prefix: str
    pool: WorkerPool
    template: Path = TEMPLATE
    delivered: int = 0
    """Events handed to a target function so far."""
    failed: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _queues: dict[str, str] = field(default_factory=dict)
    _handlers: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _client(self, service: str) -> Any:
        import boto3

        return boto3.session.Session().client(
            service, endpoint_url=self.aws_url, region_name=self.region
        )

    def create(self) -> dict[str, str]:
        """Create the buses, rules and queues; returns bus logical id -> local bus name."""
        events, sqs = self._client("events"), self._client("sqs")
        buses = {name: f"{self.prefix}-{name}" for name in resources(EVENT_BUS, self.template)}
        for bus in buses.values():
            events.create_event_bus(Name=bus)
        self._handlers = {
            name: str(f["Properties"]["Handler"]) for name, f in functions(self.template).items()
        }
        for rule in rules(self.template):
            queue = self._queue(sqs, rule.function)
            arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            events.put_rule(
                Name=f"{self.prefix}-{rule.function}-{rule.name}",
                EventBusName=buses[rule.bus],
                EventPattern=json.dumps(rule.pattern),
            )
            events.put_targets(
                Rule=f"{self.prefix}-{rule.function}-{rule.name}",
                EventBusName=buses[rule.bus],
                Targets=[{"Id": rule.function, "Arn": arn}],
            )
        return buses

    def _queue(self, sqs: Any, function: str) -> str:
        if function not in self._queues:
            self._queues[function] = sqs.create_queue(
                QueueName=f"{self.prefix}-{function}-events",
                Attributes={"VisibilityTimeout": str(VISIBILITY_SECONDS)},
            )["QueueUrl"]
        return self._queues[function]

    def start(self) -> LocalEventBridge:
        poller = threading.Thread(target=self._poll, name="omniroute-events", daemon=True)
        poller.start()
        self._threads.append(poller)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def deliver(self, function: str, event: dict[str, Any]) -> bool:
        """Call the target function with one event; False if it failed."""
        name = f"{self.prefix}-{function}"
        invocation = self.pool.invoke(self._handlers[function], event, name)
        with self._lock:
            if invocation.crashed or invocation.error is not None:
                self.failed += 1
                log.warning("%s failed on an event: %s", function, invocation.error)
                return False
            self.delivered += 1
        return True

    def _poll(self) -> None:
        sqs = self._client("sqs")
        while not self._stop.wait(POLL_SECONDS):
            for function, queue in self._queues.items():
                try:
                    self._drain(sqs, function, queue)
                except PoolStopped:
                    return
                except Exception:  # the stack is stopping, or moto hiccuped: try again
                    if self._stop.is_set():
                        return
                    log.exception("polling %s's events", function)

    def _drain(self, sqs: Any, function: str, queue: str) -> None:
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        for message in answer.get("Messages", []):
            if self.deliver(function, json.loads(message["Body"])):
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])

    def wait_until_idle(
        self, timeout: float = 30.0, check: Callable[[], bool] | None = None
    ) -> bool:
        """Tests: wait until every queue is empty (and `check` holds)."""
        sqs = self._client("sqs")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = [
                sum(
                    int(v)
                    for v in sqs.get_queue_attributes(
                        QueueUrl=q,
                        AttributeNames=[
                            "ApproximateNumberOfMessages",
                            "ApproximateNumberOfMessagesNotVisible",
                        ],
                    )["Attributes"].values()
                )
                for q in self._queues.values()
            ]
            if not any(counts) and (check is None or check()):
                return True
            time.sleep(POLL_SECONDS)
        return False
