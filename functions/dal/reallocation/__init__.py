"""Reallocations: the record of each run, its working files in S3, the open-orders index, fences,
the events it publishes and the executions of its state machine (docs/reallocation.md)."""
