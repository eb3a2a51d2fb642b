"""Limits the use cases enforce because of the data, not of HTTP (the request limits are in
`api/limits.py`)."""

MAX_RATE_KG = 1000
"""Largest `max_kg` of a rate row (the rate table has one column per kg)."""
MAX_ADJUSTMENT_SKUS = 100
"""Distinct SKUs in one adjustment call: applied in one transaction, all or nothing."""
