"""Documented request limits (docs/dynamodb.md and the OpenAPI document state them)."""

MAX_BODY_BYTES = 1_000_000
"""Largest request body accepted (bytes); larger answers 413."""
MAX_ORDER_LINES = 200
"""Most lines in one order or promise request."""
MAX_INVENTORY_ROWS = 5000
"""Most rows in one PUT /v1/inventory."""
MAX_ADJUSTMENT_ROWS = 1000
"""Most rows in one POST /v1/inventory/adjustments."""
MAX_ADJUSTMENT_SKUS = 100
"""Distinct SKUs in one adjustment call: applied in one transaction, all or nothing."""
