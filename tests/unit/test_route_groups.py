"""Access control by route group (issue 13), from template.yaml: every route is on the API of its
group (checkout: /v1/promise, /v1/orders*; operations: the rest of /v1; the docs on both), each
API's authorizer grants its group only whatever AuthMode says, and the docs answer without
credentials only when PublicDocs is true. infra/check_transformed.py checks the same on the
template as SAM deploys it, for every AuthMode."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.route_groups import (
    CHECKOUT,
    DOCS,
    GROUP_API,
    OPERATIONS,
    SCOPES,
    group_of_api,
    route_group,
)
from tests.sam_template import ROOT, functions, resources, template


def api_events() -> list[tuple[str, str, dict[str, Any]]]:
    """(function, event name, event properties) of every API event of the template."""
    return [
        (name, event_name, event["Properties"])
        for name, function in functions().items()
        for event_name, event in function["Properties"].get("Events", {}).items()
        if event["Type"] == "Api"
    ]


def test_the_rule_itself() -> None:
    assert route_group("/v1/promise") == CHECKOUT
    assert route_group("/v1/orders") == CHECKOUT
    assert route_group("/v1/orders/{order_id}/cancel") == CHECKOUT
    assert route_group("/v1/ordersx") == OPERATIONS  # a prefix is not a group
    for path in ("/v1/inventory", "/v1/nodes/{node_id}", "/v1/config/{name}", "/v1/scenarios"):
        assert route_group(path) == OPERATIONS
    assert route_group("/v1/reallocations/{id}") == OPERATIONS
    assert route_group("/docs/{asset}") == DOCS
    with pytest.raises(ValueError, match="no route group"):
        route_group("/admin")


@pytest.mark.parametrize(("function", "event", "properties"), api_events())
def test_every_route_is_on_the_api_of_its_group(
    function: str, event: str, properties: dict[str, Any]
) -> None:
    api = properties["RestApiId"]["Ref"]
    group = route_group(properties["Path"])
    if group == DOCS:
        assert api in GROUP_API.values(), (function, event)
    else:
        assert api == GROUP_API[group], f"{function}.{event}: {properties['Path']} on {api}"


@pytest.mark.parametrize(("function", "event", "properties"), api_events())
def test_only_the_docs_override_the_api_authorizer_and_only_when_public(
    function: str, event: str, properties: dict[str, Any]
) -> None:
    auth = properties.get("Auth")
    if route_group(properties["Path"]) != DOCS:
        assert auth is None, f"{function}.{event} sets its own Auth"
        return
    condition, public, private = auth["Fn::If"]
    assert condition == "DocsArePublic"
    assert private == {"Ref": "AWS::NoValue"}
    assert public == {"Fn::If": ["UseApiKeys", {"ApiKeyRequired": False}, {"Authorizer": "NONE"}]}


def test_docs_are_served_on_both_apis_and_not_public_by_default() -> None:
    docs = {
        (p["RestApiId"]["Ref"], p["Path"])
        for _, _, p in api_events()
        if route_group(p["Path"]) == DOCS
    }
    paths = {path for _, path in docs}
    assert docs == {(api, path) for api in GROUP_API.values() for path in paths}
    assert template()["Parameters"]["PublicDocs"]["Default"] == "false"


def test_no_function_serves_two_groups() -> None:
    """So that a group's alarms, logs and concurrency are its functions'."""
    groups: dict[str, set[str]] = {}
    for function, _, properties in api_events():
        group = route_group(properties["Path"])
        if group != DOCS:
            groups.setdefault(function, set()).add(group)
    assert all(len(g) == 1 for g in groups.values()), groups
    assert "OrdersFunction" in {f for f, g in groups.items() if g == {CHECKOUT}}


@pytest.mark.parametrize("api", sorted(GROUP_API.values()))
def test_each_api_grants_its_group_in_every_auth_mode(api: str) -> None:
    group = group_of_api(api)
    auth = resources("AWS::Serverless::Api")[api]["Properties"]["Auth"]
    use_cognito, cognito, rest = auth["Fn::If"]
    assert use_cognito == "UseCognito"
    ((authorizer_name, authorizer),) = cognito["Authorizers"].items()
    assert cognito["DefaultAuthorizer"] == authorizer_name
    assert authorizer["UserPoolArn"] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    assert authorizer["AuthorizationScopes"] == [SCOPES[group]]
    use_keys, keys, iam = rest["Fn::If"]
    assert use_keys == "UseApiKeys"
    assert keys == {"ApiKeyRequired": True}
    assert iam == {"DefaultAuthorizer": "AWS_IAM", "InvokeRole": "NONE"}


@pytest.mark.parametrize("api", sorted(GROUP_API.values()))
def test_each_api_key_belongs_to_the_usage_plan_of_one_api(api: str) -> None:
    group = group_of_api(api)
    prefix = group.capitalize()
    plan = resources("AWS::ApiGateway::UsagePlan")[f"{prefix}UsagePlan"]
    assert plan["Condition"] == "UseApiKeys"
    assert plan["Properties"]["ApiStages"] == [
        {"ApiId": {"Ref": api}, "Stage": {"Ref": f"{api}.Stage"}}
    ]
    link = resources("AWS::ApiGateway::UsagePlanKey")[f"{prefix}UsagePlanKey"]["Properties"]
    assert link["UsagePlanId"] == {"Ref": f"{prefix}UsagePlan"}
    assert link["KeyId"] == {"Ref": f"{prefix}ApiKey"}


def test_each_cognito_client_gets_one_scope_and_the_pool_has_both() -> None:
    server = resources("AWS::Cognito::UserPoolResourceServer")["UserPoolScopes"]["Properties"]
    scopes = {f"{server['Identifier']}/{s['ScopeName']}" for s in server["Scopes"]}
    assert scopes == set(SCOPES.values())
    clients = resources("AWS::Cognito::UserPoolClient")
    for group, scope in SCOPES.items():
        client = clients[f"{group.capitalize()}Client"]["Properties"]
        assert client["AllowedOAuthScopes"] == [scope]
        assert client["AllowedOAuthFlows"] == ["client_credentials"]


def test_the_example_caller_policies_name_one_api_each() -> None:
    """docs/deploy.md's IAM policies: the checkout one invokes only the checkout API."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    for group, api in GROUP_API.items():
        (policy,) = re.findall(
            rf"```json\n(\{{[^`]*?\"Sid\": \"Invoke{group.capitalize()}\"[^`]*?)```", text
        )
        assert f"${{{api}}}" in policy or f"<{api}>" in policy, group
        other = GROUP_API[OPERATIONS if group == CHECKOUT else CHECKOUT]
        assert other not in policy, group
