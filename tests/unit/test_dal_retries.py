"""What DynamoDB errors do to a reservation, without a server: conflicts are retried with the
same token, failed conditions become `ReservationFailed`, unprocessed keys are asked again.
(The local stack serialises DynamoDB requests, so it never produces a TransactionConflict.)"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from functions.dal import client as dynamo
from functions.dal.database import Database
from functions.dal.reservations import RecordWrite, ReservationFailed, StockDelta, commit
from functions.dal.tables import TABLES


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynamo.time, "sleep", lambda _: None)


def _client() -> Any:
    return boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        endpoint_url="http://127.0.0.1:9",  # never reached: the stubber answers
    )


def _cancelled(*codes: str) -> dict[str, Any]:
    return {
        "service_error_code": "TransactionCanceledException",
        "service_message": f"Transaction cancelled [{', '.join(codes)}]",
        "http_status_code": 400,
        "response_meta": {},
    }


def _store(client: Any) -> Database:
    return Database(client, {name: name for name in TABLES})


RECORD = RecordWrite("o-1", {"status": "reserved", "version": 1}, creating=True)
DELTAS = [StockDelta("SKU-1", {"W1": 2})]


def test_a_transaction_conflict_is_retried_with_the_same_token() -> None:
    client = _client()
    stubber = Stubber(client)
    tokens: list[str] = []
    for _ in range(2):
        stubber.add_client_error(
            "transact_write_items",
            expected_params={"TransactItems": ANY, "ClientRequestToken": ANY},
            **_cancelled("TransactionConflict", "None"),
        )
    stubber.add_response(
        "transact_write_items", {}, {"TransactItems": ANY, "ClientRequestToken": ANY}
    )
    client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems",
        lambda params, **_: tokens.append(params["ClientRequestToken"]),
    )
    with stubber:
        commit(_store(client), DELTAS, RECORD)
        stubber.assert_no_pending_responses()
    assert len(tokens) == 3 and len(set(tokens)) == 1


def test_a_failed_stock_condition_is_reported_not_retried() -> None:
    client = _client()
    stubber = Stubber(client)
    stubber.add_client_error("transact_write_items", **_cancelled("ConditionalCheckFailed", "None"))
    with stubber, pytest.raises(ReservationFailed) as failure:
        commit(_store(client), DELTAS, RECORD)
    assert failure.value.reason == "stock_changed"
    assert failure.value.details == [{"sku": "SKU-1", "nodes": ["W1"]}]


def test_an_existing_order_record_is_reported_as_such() -> None:
    client = _client()
    stubber = Stubber(client)
    stubber.add_client_error("transact_write_items", **_cancelled("None", "ConditionalCheckFailed"))
    with stubber, pytest.raises(ReservationFailed) as failure:
        commit(_store(client), DELTAS, RECORD)
    assert failure.value.reason == "record_changed"


def test_unprocessed_keys_are_asked_again() -> None:
    client = _client()
    stubber = Stubber(client)
    key = {"sku": {"S": "SKU-1"}}
    item = {"sku": {"S": "SKU-1"}, "weight_kg": {"N": "1.5"}}
    stubber.add_response(
        "batch_get_item",
        {"Responses": {"stock": []}, "UnprocessedKeys": {"stock": {"Keys": [key]}}},
    )
    stubber.add_response("batch_get_item", {"Responses": {"stock": [item]}, "UnprocessedKeys": {}})
    with stubber:
        found = dynamo.batch_get(client, {"stock": [{"sku": "SKU-1"}]})
    assert found == {"stock": [{"sku": "SKU-1", "weight_kg": 1.5}]}


def test_backoff_is_jittered_and_capped() -> None:
    delays = [dynamo.backoff_delay(attempt) for attempt in range(12) for _ in range(20)]
    assert all(0.0 <= d <= 1.0 for d in delays)
    assert len(set(delays)) > 100
