"""Which route group each API path belongs to (issue 13): the rule the template must follow,
stated once for tests/unit/test_route_groups.py (the template as written) and
infra/check_transformed.py (the template as SAM deploys it, for every AuthMode).

- checkout: what a checkout or order pipeline calls, `/v1/promise` and `/v1/orders*`;
- operations: everything else under `/v1/` (inventory, nodes, config, scenarios,
  reallocations);
- docs: the API's description, served on both APIs (public only when `PublicDocs` is true).
"""

from __future__ import annotations

CHECKOUT, OPERATIONS, DOCS = "checkout", "operations", "docs"
GROUP_API = {CHECKOUT: "CheckoutApi", OPERATIONS: "OperationsApi"}
"""The API (template resource) of each group; docs routes are on both."""
DOCS_PATHS = ("/openapi.json", "/docs")
SCOPES = {CHECKOUT: "omniroute/checkout", OPERATIONS: "omniroute/operations"}
"""The Cognito scope an access token needs for each group (AuthMode COGNITO)."""


def route_group(path: str) -> str:
    """The group of an API path such as `/v1/orders/{order_id}/cancel`."""
    if path in DOCS_PATHS or path.startswith("/docs/"):
        return DOCS
    if path == "/v1/promise" or path == "/v1/orders" or path.startswith("/v1/orders/"):
        return CHECKOUT
    if path.startswith("/v1/"):
        return OPERATIONS
    raise ValueError(f"{path}: in no route group (tests/route_groups.py)")


def group_of_api(api: str) -> str:
    (group,) = [g for g, name in GROUP_API.items() if name == api]
    return group
