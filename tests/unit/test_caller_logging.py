"""The audit trail in the functions' logs: each API request logs one line naming its caller
principal (as the authorizer of the API established it) with the correlation id, the API
Gateway request id that the access log also has; a state machine task logs its job and
execution."""

from __future__ import annotations

import json
from typing import Any

import pytest

from functions.handlers import docs, scenario_worker
from functions.observability import caller_principal, logger
from omniroute.local.events import LambdaContext, api_gateway_event

ROLE = "arn:aws:sts::123456789012:assumed-role/checkout-service/i-0abc"


def with_identity(identity: dict[str, Any], claims: dict[str, Any] | None = None) -> dict:
    event = api_gateway_event("GET", "/openapi.json", {}, b"", "/openapi.json", {})
    event["requestContext"]["identity"] = identity
    if claims is not None:
        event["requestContext"]["authorizer"] = {"claims": claims}
    return event


@pytest.mark.parametrize(
    ("identity", "claims", "caller"),
    [
        ({"userArn": ROLE, "caller": "AROA:i-0abc"}, None, ROLE),
        ({}, {"client_id": "6v5q", "scope": "omniroute/checkout", "sub": "6v5q"}, "cognito:6v5q"),
        ({}, {"username": "planner@example.com", "sub": "1f2e"}, "cognito:planner@example.com"),
        ({"apiKeyId": "k1a2b3"}, None, "api-key:k1a2b3"),
        ({"sourceIp": "127.0.0.1"}, None, "anonymous"),
    ],
)
def test_the_caller_is_who_the_authorizer_says(
    identity: dict[str, Any], claims: dict[str, Any] | None, caller: str
) -> None:
    assert caller_principal(with_identity(identity, claims)) == caller


def log_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The lines as the function writes them (Powertools' JSON formatter)."""
    formatter = logger.registered_formatter
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "omniroute"]


def test_every_request_logs_its_caller_with_the_correlation_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = with_identity({"userArn": ROLE})
    reply = docs.handler(event, LambdaContext())
    assert reply["statusCode"] == 200
    (line,) = [line for line in log_lines(caplog) if line["message"] == "request"]
    assert line["caller"] == ROLE
    assert line["correlation_id"] == event["requestContext"]["requestId"]
    assert (line["method"], line["resource"]) == ("GET", "/openapi.json")


def test_a_state_machine_task_logs_its_job_and_execution(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCENARIO_BUCKET", raising=False)
    execution = "arn:aws:states:us-east-1:123456789012:execution:whatif:abc"
    with pytest.raises(Exception, match="SCENARIO"):  # no environment: fails after logging
        scenario_worker.handler(
            {"action": "prepare", "job_id": "abc", "execution": execution}, LambdaContext()
        )
    (line,) = [line for line in log_lines(caplog) if line["message"] == "task"]
    assert line["correlation_id"] == "abc"
    assert line["caller"] == execution
    assert line["action"] == "prepare"
