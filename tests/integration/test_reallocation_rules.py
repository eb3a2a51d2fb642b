"""The reallocation triggers' EventBridge rules of template.yaml, checked by pattern in moto's
EventBridge over HTTP with an SQS queue as each rule's target (moto cannot deliver to Lambda or
Step Functions): the events the use cases publish (`logic/reallocation/signals.py`) reach
exactly the rules they should, and each delivered event types as the trigger it stands for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from functions.dal.database import Database
from functions.dal.network_config import put_node
from functions.dal.tables import TABLES, create_tables
from functions.logic.reallocation import signals
from functions.logic.reallocation.triggers import from_event
from omniroute.local.eventbridge import rules
from omniroute.local.moto_server import forget_everything
from omniroute.local.schedules import scheduled_event, schedules
from solver.models import Node
from tests.integration.asl import REGION, moto_endpoint

BUS = "omniroute-test-events"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    forget_everything()  # moto's state is per process: start from nothing
    with moto_endpoint(
        monkeypatch,
        AWS_ENDPOINT_URL_EVENTBRIDGE="{url}",
        EVENT_BUS_NAME=BUS,
        DYNAMODB_ENDPOINT_URL="{url}",
        **{f"{t.upper()}_TABLE": f"t-{t}" for t in TABLES},
    ) as url:
        yield from _wired(url)
    forget_everything()


def _wired(url: str) -> Iterator[dict[str, Any]]:
    from functions.dal.reallocation import events

    events._clients.clear()  # a client made for another endpoint earlier in this process
    clients = {
        service: boto3.client(service, endpoint_url=url, region_name=REGION)
        for service in ("events", "sqs", "dynamodb")
    }
    clients["events"].create_event_bus(Name=BUS)
    queues = {}
    for rule in rules():
        queue = clients["sqs"].create_queue(QueueName=rule.name)["QueueUrl"]
        arn = clients["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        clients["events"].put_rule(
            Name=rule.name, EventBusName=BUS, EventPattern=json.dumps(rule.pattern)
        )
        clients["events"].put_targets(
            Rule=rule.name,
            EventBusName=BUS,
            Targets=[{"Id": "q", "Arn": arn["Attributes"]["QueueArn"]}],
        )
        queues[rule.name] = queue
    create_tables(clients["dynamodb"], {t: f"t-{t}" for t in TABLES})
    yield {"queues": queues, **clients}
    events._clients.clear()


def delivered(aws: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, queue in aws["queues"].items():
        answer = aws["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        out[name] = [json.loads(m["Body"]) for m in answer.get("Messages", [])]
    return {name: events for name, events in out.items() if events}


NODE = Node(
    node_id="W2",
    kind="warehouse",
    lat=35.0,
    lon=-90.0,
    ships=True,
    pickup=False,
    same_day=False,
    processing_days=1,
    handling_per_order=1.0,
    handling_per_unit=0.1,
    max_units_per_day=500,
)


def test_every_trigger_rule_targets_the_trigger_function() -> None:
    assert {r.name for r in rules()} == {
        "NodeClosedOrCut",
        "StockBelowReserved",
        "LinesRejected",
        "StockArrived",
    }
    assert {r.function for r in rules()} == {"ReallocationTriggerFunction"}
    assert [
        (s.function, s.seconds) for s in schedules() if s.function.startswith("Reallocation")
    ] == [("ReallocationTriggerFunction", 15 * 60.0)]


@pytest.mark.parametrize(
    ("change", "rule", "kind"),
    [
        ({"active": False}, "NodeClosedOrCut", "node-offline"),
        ({"max_units_per_day": 100}, "NodeClosedOrCut", "node-capacity"),
        ({"max_units_per_day": 900}, None, None),
        ({"max_units_per_day": None}, None, None),
        ({"handling_per_order": 2.0}, None, None),
    ],
)
def test_a_node_closed_or_cut_matches_its_rule_and_nothing_else_does(
    aws: dict[str, Any], change: dict[str, Any], rule: str | None, kind: str | None
) -> None:
    db = Database(aws["dynamodb"])
    after = NODE.model_copy(update=change)
    put_node(db, after, None)
    signals.node_changed(db, NODE, after)
    got = delivered(aws)
    if rule is None:
        assert got == {}
        return
    assert list(got) == [rule]
    (event,) = got[rule]
    (trigger,) = from_event(event, fence_minutes=60, window_minutes=30)
    assert trigger.kind == kind and trigger.node_id == "W2"  # type: ignore[union-attr]
    assert trigger.version == 1  # type: ignore[union-attr]


def test_a_reopened_node_is_no_trigger(aws: dict[str, Any]) -> None:
    db = Database(aws["dynamodb"])
    closed = NODE.model_copy(update={"active": False})
    signals.node_changed(db, closed, NODE)
    assert delivered(aws) == {}


def level(available: int) -> dict[str, Any]:
    return {
        "levels": {
            "W2": {"on_hand": 5, "safety": 0, "reserved": 5 - available, "available": available}
        }
    }


def test_stock_below_reserved_and_stock_arriving_reach_their_rules(aws: dict[str, Any]) -> None:
    db = Database(aws["dynamodb"])
    table = "t-stock"
    for sku, available in (("SKU-A", -2), ("SKU-B", 7)):
        item = {"sku": sku, "weight_kg": 1.0, "unit_value": 5.0, **level(available)}
        from functions.dal.codec import encode_item

        aws["dynamodb"].put_item(TableName=table, Item=encode_item(item))
    before = {"SKU-A": level(1), "SKU-B": level(3)}
    signals.stock_changed(db, before)
    got = delivered(aws)
    assert set(got) == {"StockBelowReserved", "StockArrived"}
    (short,) = from_event(got["StockBelowReserved"][0], 60, 30)
    assert short.kind == "stock-short"
    assert [(p.node_id, p.sku) for p in short.pairs] == [("W2", "SKU-A")]  # type: ignore[union-attr]
    (arrived,) = from_event(got["StockArrived"][0], 60, 30)
    assert arrived.kind == "stock-arrived" and arrived.skus == ("SKU-B",)  # type: ignore[union-attr]


def test_rejected_lines_reach_their_rule_and_fence_for_the_configured_time(
    aws: dict[str, Any],
) -> None:
    signals.lines_rejected("o-1", "S5", ["SKU-B", "SKU-A"], version=3)
    got = delivered(aws)
    assert list(got) == ["LinesRejected"]
    event = got["LinesRejected"][0]
    (trigger,) = from_event(event, fence_minutes=45, window_minutes=30)
    assert trigger.kind == "rejected" and trigger.skus == ("SKU-A", "SKU-B")  # type: ignore[union-attr]
    assert trigger.name() == "rejected-o-1-v3"
    from functions.logic.reallocation.triggers import parse_time

    span = trigger.fence_epoch() - parse_time(event["time"]).timestamp()  # type: ignore[union-attr]
    assert span == 45 * 60


def test_order_reallocated_events_start_nothing(aws: dict[str, Any]) -> None:
    from functions.dal.reallocation.events import publish

    publish("OrderReallocated", [{"order_id": "o-1", "version": 2}])
    assert delivered(aws) == {}


def test_the_schedule_types_as_a_re_optimisation_of_the_last_minutes() -> None:
    (schedule,) = [s for s in schedules() if s.function == "ReallocationTriggerFunction"]
    event = scheduled_event(schedule.function)
    (trigger,) = from_event(event, fence_minutes=60, window_minutes=30)
    assert trigger.kind == "scheduled" and trigger.window_minutes == 30  # type: ignore[union-attr]
    assert schedule.seconds == 15 * 60
