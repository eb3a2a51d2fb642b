"""Documented request limits (docs/dynamodb.md and the OpenAPI document state them). The use
cases' own limits (rate rows, SKUs per adjustment) are in `logic/limits.py`."""

MAX_BODY_BYTES = 1_000_000
"""Largest request body accepted (bytes); larger answers 413."""
MAX_ORDER_LINES = 200
"""Most lines in one order or promise request."""
MAX_LINE_QTY = 100_000
"""Most units in one order line."""
MAX_UNITS = 1_000_000_000
"""Largest stock level, adjustment or capacity a request may state."""
MAX_INVENTORY_ROWS = 5000
"""Most rows in one PUT /v1/inventory."""
MAX_ADJUSTMENT_ROWS = 1000
"""Most rows in one POST /v1/inventory/adjustments."""
MAX_KEY_CHARS = 200
"""Longest SKU or node id a request body may name: as a DynamoDB key (at most 2,048 bytes) even
when every character takes four bytes in UTF-8."""
MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a JSON body may have (an order is 4 deep)."""
MAX_PROMISE_DAYS = 365
"""Largest promise (days) an order may state."""
