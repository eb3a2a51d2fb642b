"""Ids in request paths and the grammar of order ids, the one place each is written: request
bodies (`OrderRequest`) and every `/v1/orders/{order_id}` path use the order id grammar; what-if
job ids in `/v1/scenarios/{id}` paths have the same one; SKU and node ids in paths are as the
dataset names them.

Order ids have only characters that are unreserved in a URL path (RFC 3986 §2.3), so 128 of them
fit every path and DynamoDB key limit (2,048 bytes) and an id the API accepts can always be read,
cancelled and rejected. API Gateway (REST) and the local stack hand a path over as the client
sent it, still percent-encoded; every path id is decoded here, once, before it is checked, so
`o%2D1` is the order `o-1` and `caf%C3%A9` the SKU `café` (RFC 3986: the same URL).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BeforeValidator, StringConstraints

from functions.api.limits import MAX_KEY_CHARS

DECODED = BeforeValidator(unquote)
"""A path parameter percent-decoded before its checks: the last part of every path id, after
`Path(...)` and a pattern as `StringConstraints` (Powertools drops a `Path(pattern=...)` from the
document when a validator is attached; schemathesis' stateful phase found that)."""

ORDER_ID_MAX_LENGTH = 128
ORDER_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{ORDER_ID_MAX_LENGTH - 1}}}$"
ORDER_ID_RULE = (
    f"1 to {ORDER_ID_MAX_LENGTH} characters: letters, digits, '-', '_' and '.', "
    "starting with a letter or a digit"
)
"""The grammar in words: the message every invalid order id gets."""

OrderIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=ORDER_ID_MAX_LENGTH,
        description=f"The order id ({ORDER_ID_RULE}).",
    ),
    StringConstraints(pattern=ORDER_ID_PATTERN),
    DECODED,
]
"""An order id in a route's path."""

SCENARIO_ID_MAX_LENGTH = 100
SCENARIO_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{SCENARIO_ID_MAX_LENGTH - 1}}}$"
ScenarioIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=SCENARIO_ID_MAX_LENGTH,
        description="A what-if job id, as POST /v1/scenarios answered it (letters and digits).",
    ),
    StringConstraints(pattern=SCENARIO_ID_PATTERN),
    DECODED,
]
"""A what-if job id in a route's path: the order ids' grammar (the server makes them)."""

REALLOCATION_ID_MAX_LENGTH = 80
REALLOCATION_ID_PATTERN = rf"^[A-Za-z0-9_.-]{{1,{REALLOCATION_ID_MAX_LENGTH}}}$"
ReallocationIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=REALLOCATION_ID_MAX_LENGTH,
        description="A reallocation id, as POST /v1/reallocations answered it (the execution's "
        "name: letters, digits, '-', '_' and '.', at most 80).",
    ),
    StringConstraints(pattern=REALLOCATION_ID_PATTERN),
    DECODED,
]
"""A reallocation id in a route's path: a Step Functions execution name
(`functions/logic/reallocation/triggers.reallocation_id` makes them)."""

SkuPath = Annotated[
    str,
    DECODED,
    Path(min_length=1, max_length=MAX_KEY_CHARS, description="A SKU of the catalogue."),
]
NodeIdPath = Annotated[
    str, DECODED, Path(min_length=1, max_length=MAX_KEY_CHARS, description="A node of the network.")
]
"""SKU and node ids in a route's path: any id the dataset has, percent-encoded as a URL needs."""
