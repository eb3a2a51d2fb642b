"""Data access: everything that talks to DynamoDB and S3, and the only package that imports
boto3 or botocore or writes a DynamoDB expression.

One module per table or concern; each access pattern is a function taking the `Database`
(`database.py`: client, physical table names, network config cache):

- `client.py`        the DynamoDB client, retries and timeouts, batched reads, error codes
- `codec.py`         items <-> plain Python (exact decimals, compact JSON)
- `tables.py`        the table design (keys, TTL); template.yaml declares the same
- `network_config.py` nodes and config documents, read through a per-process cache
- `order_inputs.py`  one order's stock, config version and capacity use, in two batched reads
- `stock.py`, `capacity.py`, `orders.py`   items of those tables, and their writes
- `reservations.py`  atomic takes and releases of stock and capacity with the order record
- `idempotency.py`   Powertools' idempotency records
- `dataset.py`       putting a dataset into the tables
- `scenarios/`       what-if jobs: the job record, files in S3, the state machine's executions

A new access pattern goes into the module of the table it reads or writes (a new table: its
design in `tables.py` and template.yaml, then a module of its own); a workflow with several
tables of its own gets a subpackage, as `scenarios/`. Failed conditions surface as dal
exceptions (`ConditionFailed`, `ReservationFailed`, `JobStateConflict`), never as HTTP.

The cookbook's `dal/` is a `db_handler.py` interface with one DynamoDB implementation; here the
functions take a `Database` instead: DynamoDB is the one store (moto's server stands in for it
in tests and the local stack, over the same HTTP API), so an interface would have one
implementation only.
"""
