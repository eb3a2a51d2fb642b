"""The embedded DynamoDB's speed-ups, over HTTP with boto3: its plain-JSON answers
(omniroute/local/moto_json.py) carry the same document as moto's own serializer for every operation
the patch answers, and the skipped item copies (omniroute/local/moto_transactions.py) do not change
what a stream records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from omniroute.local.moto_json import PLAIN_JSON_OPERATIONS, plain_json
from omniroute.local.moto_server import MotoServer


@pytest.fixture(scope="module")
def compared() -> Iterator[tuple[Any, list[tuple[str, Any, Any, bool]]]]:
    """A boto3 client on the embedded server, and every answer as (operation, plain, moto's,
    answered plainly) while the module runs."""
    from moto.dynamodb.responses import DynamoHandler

    server = MotoServer().start()
    patched = DynamoHandler.serialized
    original = patched.__wrapped__  # type: ignore[attr-defined]
    seen: list[tuple[str, Any, Any, bool]] = []

    def both(self: Any, action_result: Any) -> Any:
        answer = patched(self, action_result)
        reference = original(self, action_result)
        operation = self._get_action()
        plain = plain_json(operation, action_result.result) is not None
        seen.append((operation, json.loads(answer[2]), json.loads(reference[2]), plain))
        assert answer[0] == reference[0]
        return answer

    DynamoHandler.serialized = both  # type: ignore[method-assign]
    client = boto3.client(
        "dynamodb",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    try:
        yield client, seen
    finally:
        DynamoHandler.serialized = patched  # type: ignore[method-assign]
        server.stop()


ITEM = {
    "pk": {"S": "sku-1"},
    "sk": {"N": "7"},
    "levels": {
        "M": {
            "W1": {"M": {"on_hand": {"N": "12"}, "reserved": {"N": "0.5"}}},
            "S2": {"M": {"on_hand": {"N": "-3"}, "reserved": {"N": "1e3"}}},
        }
    },
    "tags": {"SS": ["a", "b"]},
    "counts": {"NS": ["1", "2"]},
    "notes": {"L": [{"S": 'é ünïcode "quoted"'}, {"BOOL": True}, {"NULL": True}]},
}
BINARY = {"pk": {"S": "sku-3"}, "sk": {"N": "1"}, "blob": {"B": b"\x00\x01binary"}}
"""Bytes are not plain JSON: answers holding them go through moto's serializer."""


def test_every_data_operation_answers_as_moto_would(
    compared: tuple[Any, list[tuple[str, Any, Any, bool]]],
) -> None:
    client, seen = compared
    client.create_table(
        TableName="t",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"pk": ITEM["pk"], "sk": ITEM["sk"]}
    other = {"pk": {"S": "sku-2"}, "sk": {"N": "1"}}
    client.put_item(TableName="t", Item=ITEM)
    client.put_item(TableName="t", Item={**ITEM, "sk": {"N": "8"}}, ReturnValues="ALL_OLD")
    assert client.get_item(TableName="t", Key=key)["Item"] == ITEM
    got = client.batch_get_item(RequestItems={"t": {"Keys": [key, other]}})
    assert got["Responses"]["t"] == [ITEM]
    client.batch_write_item(
        RequestItems={"t": [{"PutRequest": {"Item": {**other, "v": {"N": "1"}}}}]}
    )
    query = client.query(
        TableName="t",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "sku-1"}},
        Limit=1,
    )
    assert query["Count"] == 1 and "LastEvaluatedKey" in query
    assert client.scan(TableName="t")["Count"] == 3
    updated = client.update_item(
        TableName="t",
        Key=key,
        UpdateExpression="SET levels.W1.reserved = levels.W1.reserved + :q",
        ConditionExpression="levels.W1.on_hand >= :q",
        ExpressionAttributeValues={":q": {"N": "2"}},
        ReturnValues="ALL_NEW",
    )
    assert updated["Attributes"]["levels"]["M"]["W1"]["M"]["reserved"] == {"N": "2.5"}
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET levels.W1.reserved = :q",
            ConditionExpression="levels.W1.on_hand >= :q",
            ExpressionAttributeValues={":q": {"N": "99"}},
        )
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": "t",
                    "Key": other,
                    "UpdateExpression": "SET v = v + :o",
                    "ExpressionAttributeValues": {":o": {"N": "1"}},
                }
            },
            {
                "ConditionCheck": {
                    "TableName": "t",
                    "Key": key,
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
    )
    with pytest.raises(client.exceptions.TransactionCanceledException):
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": other,
                        "UpdateExpression": "SET v = :z",
                        "ConditionExpression": "v > :big",
                        "ExpressionAttributeValues": {":z": {"N": "0"}, ":big": {"N": "9"}},
                    }
                },
            ]
        )
    pair = client.transact_get_items(TransactItems=[{"Get": {"TableName": "t", "Key": other}}])
    assert pair["Responses"][0]["Item"]["v"] == {"N": "2"}
    client.put_item(TableName="t", Item=BINARY)
    binary_key = {"pk": BINARY["pk"], "sk": BINARY["sk"]}
    assert client.get_item(TableName="t", Key=binary_key)["Item"] == BINARY
    deleted = client.delete_item(TableName="t", Key=other, ReturnValues="ALL_OLD")
    assert deleted["Attributes"]["v"] == {"N": "2"}

    operations = {operation for operation, *_ in seen}
    assert operations >= PLAIN_JSON_OPERATIONS
    for operation, answer, reference, _ in seen:
        assert answer == reference, operation
    answered_plainly = {operation for operation, _, _, plain in seen if plain}
    assert answered_plainly == PLAIN_JSON_OPERATIONS
    binary_answers = [
        plain for op, answer, _, plain in seen if op == "GetItem" and "blob" in str(answer)
    ]
    assert binary_answers == [False]


def test_a_stream_still_records_the_old_image_of_an_update() -> None:
    """The embedded server skips moto's copy of an item before an update only while no table
    has a stream (omniroute/local/moto_transactions.py); with one, the old image is the old item."""
    server = MotoServer().start()
    options: dict[str, Any] = {
        "endpoint_url": server.url,
        "region_name": "us-east-1",
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }
    try:
        client = boto3.client("dynamodb", **options)
        table = client.create_table(
            TableName="streamed",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]
        key = {"pk": {"S": "a"}}
        client.put_item(TableName="streamed", Item={**key, "n": {"N": "1"}})
        client.update_item(
            TableName="streamed",
            Key=key,
            UpdateExpression="SET n = n + :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
        streams = boto3.client("dynamodbstreams", **options)
        shard = streams.describe_stream(StreamArn=table["LatestStreamArn"])
        shard_id = shard["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(
            StreamArn=table["LatestStreamArn"],
            ShardId=shard_id,
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        modify = [r["dynamodb"] for r in records if r["eventName"] == "MODIFY"]
        assert len(modify) == 1
        assert modify[0]["OldImage"]["n"] == {"N": "1"}
        assert modify[0]["NewImage"]["n"] == {"N": "2"}
    finally:
        server.stop()
