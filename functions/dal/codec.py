"""DynamoDB items <-> plain Python: attribute values (floats as exact decimals, whole numbers
back as int) and the compact JSON some attributes hold."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _to_dynamo_number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _to_dynamo_number(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_dynamo_number(v) for v in value]
    return value


def _from_dynamo_number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo_number(v) for v in value]
    if isinstance(value, set):
        return {_from_dynamo_number(v) for v in value}
    return value


def encode(value: Any) -> dict[str, Any]:
    """A Python value as a DynamoDB attribute value (floats become exact decimals)."""
    return _serializer.serialize(_to_dynamo_number(value))


def encode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: encode(value) for key, value in item.items()}


def decode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as plain Python (whole numbers as int, others as float)."""
    return {key: _from_dynamo_number(_deserializer.deserialize(v)) for key, v in item.items()}


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
