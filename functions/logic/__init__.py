"""Use cases: what the service decides, on live data, using the solver.

- `orders/`      planning an order, its lifecycle (create and reserve, read, cancel, reject
                 lines), the delivery promise
- `inventory.py` stock levels from WMS/POS feeds and adjustments
- `admin.py`     nodes and config documents, validated as the loader validates files
- `scenarios/`   what-if jobs: accepting one, the worker's steps, where a job runs
- `errors.py`    the domain errors: `NotFound`, `Conflict`, `Invalid` (with per-field errors)
- `limits.py`    limits that come from the data, not from HTTP

A new use case is a function here taking the `Database` (`dal/database.py`) and plain or solver
values: it reads and writes only through `dal/`, decides with `solver/`, and returns a domain
result (a body, a dataclass) or raises a domain error. It knows nothing of HTTP (no status
codes, no Powertools): `api/` decides the status. A family of use cases with its own steps gets
a subpackage, as `orders/` and `scenarios/`.

The cookbook's `logic/` holds the whole domain; here the domain proper (models, pricing, the
solver, scenarios) is `solver/`, pure and shared with the command line, and `logic/` is the thin
service layer that applies it to what DynamoDB and S3 hold.
"""
