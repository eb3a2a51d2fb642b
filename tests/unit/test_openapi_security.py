"""The OpenAPI document names the one way the deployed stack authenticates callers (template.yaml
`AuthMode`, given to the docs function as `API_AUTH`), and none on the local stack, which
authenticates nobody (issue 12, finding 8)."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from functions.api.docs import SECURITY_SCHEMES, openapi_document
from functions.handlers.docs import build_docs_resolver
from functions.settings import ApiAuth
from tests.sam_template import functions, template


def _document(monkeypatch: pytest.MonkeyPatch, auth: str | None) -> dict[str, Any]:
    if auth is None:
        monkeypatch.delenv("API_AUTH", raising=False)
    else:
        monkeypatch.setenv("API_AUTH", auth)
    return openapi_document(build_docs_resolver())


def test_every_auth_mode_the_template_allows_has_its_security_scheme() -> None:
    modes = set(template()["Parameters"]["AuthMode"]["AllowedValues"])
    assert modes == set(SECURITY_SCHEMES)
    assert modes == set(get_args(ApiAuth))


def test_the_docs_function_is_told_the_stack_s_auth_mode() -> None:
    variables = functions()["DocsFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["API_AUTH"] == {"Ref": "AuthMode"}


@pytest.mark.parametrize(
    ("auth", "header", "authtype"),
    [
        ("IAM", "Authorization", "awsSigv4"),
        ("COGNITO", "Authorization", "cognito_user_pools"),
        ("API_KEY", "x-api-key", None),
    ],
)
def test_the_document_names_the_deployed_scheme_only(
    monkeypatch: pytest.MonkeyPatch, auth: str, header: str, authtype: str | None
) -> None:
    document = _document(monkeypatch, auth)
    (name,) = document["components"]["securitySchemes"]
    scheme = document["components"]["securitySchemes"][name]
    assert scheme["in"] == "header" and scheme["name"] == header
    assert scheme.get("x-amazon-apigateway-authtype") == authtype
    assert document["security"] == [{name: []}]


def test_the_local_stack_s_document_names_no_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    document = _document(monkeypatch, None)
    assert "securitySchemes" not in document["components"]
    assert "security" not in document
