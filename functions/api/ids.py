"""The grammar of order ids, the one place it is written: request bodies (`OrderRequest`) and
every `/v1/orders/{order_id}` path use it.

Only characters that are unreserved in a URL path (RFC 3986 §2.3) are allowed, so an id is the
same string whether a client percent-encodes it or not (API Gateway hands path parameters over
as sent), and 128 of them fit every path and DynamoDB key limit (2,048 bytes). An id the API
accepts can always be read, cancelled and rejected.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

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
        pattern=ORDER_ID_PATTERN,
        min_length=1,
        max_length=ORDER_ID_MAX_LENGTH,
        description=f"The order id ({ORDER_ID_RULE}).",
    ),
]
"""An order id in a route's path."""
