"""Config documents have bounds for every number, and a partial settings document changes only
what it names (issue 12, finding 7). Against the local stack (moto DynamoDB over HTTP)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from functions.dal.database import current_database
from functions.dal.network_config import config_document
from functions.logic.limits import MAX_FACTOR, MAX_MONEY
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders


def _settings() -> dict[str, Any]:
    return copy.deepcopy(config_document(current_database(), "settings"))


@pytest.fixture()
def restore_settings(api: ApiClient) -> Iterator[None]:
    before = _settings()
    yield
    assert api.put("/v1/config/settings", before).status == 200


def _strict_json(raw: bytes) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(raw, parse_constant=refuse)


def test_a_setting_beyond_its_bound_is_refused_and_changes_nothing(
    api: ApiClient, restore_settings: None
) -> None:
    before = _settings()
    reply = api.put("/v1/config/settings", {"unfilled_penalty_factor": 1e308, "split_penalty": -1})
    assert reply.status == 422, reply.body
    paths = {e["path"] for e in reply.body["errors"]}
    assert "unfilled_penalty_factor" in paths
    assert _settings() == before


def test_json_numbers_beyond_a_floats_range_are_a_400(api: ApiClient) -> None:
    for raw in (b'{"split_penalty": 1e400}', b'{"split_penalty": Infinity}', b'{"x": NaN}'):
        reply = api.put("/v1/config/settings", raw=raw)
        assert reply.status == 400, (raw, reply.body)
        assert reply.body["code"] == "invalid_json"


def test_a_partial_settings_document_changes_only_what_it_names(
    api: ApiClient, restore_settings: None
) -> None:
    before = _settings()
    assert api.put("/v1/config/settings", {}).status == 200
    assert _settings() == before
    assert api.put("/v1/config/settings", {"split_penalty": 7.5}).status == 200
    assert _settings() == {**before, "split_penalty": 7.5}
    reply = api.put("/v1/config/settings", {"default_promise_days": {"ground": 4}})
    assert reply.status == 200, reply.body
    after = _settings()
    assert after["default_promise_days"] == {**before["default_promise_days"], "ground": 4}
    assert after["courier_base"] == before["courier_base"]


def test_a_rate_beyond_its_bound_is_refused(api: ApiClient) -> None:
    rates = config_document(current_database(), "rates")
    row = {**rates[0], "cost": MAX_MONEY * 10}
    reply = api.put("/v1/config/rates", {"rows": [row, *rates[1:]]})
    assert reply.status == 422
    assert [e["path"] for e in reply.body["errors"]] == ["rows[0].cost"]


def test_answers_stay_finite_json_at_the_largest_settings(
    api: ApiClient, restore_settings: None
) -> None:
    largest = {"unfilled_penalty_factor": MAX_FACTOR, "split_penalty": MAX_MONEY}
    assert api.put("/v1/config/settings", largest).status == 200
    order = {**demo_orders()[7], "order_id": "largest-settings"}
    reply = api.post("/v1/orders", order)
    assert reply.status == 201
    body = _strict_json(reply.raw)
    assert body["cost"] < 1e12
