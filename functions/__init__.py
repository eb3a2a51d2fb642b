"""The service on AWS Lambda, in four layers whose imports point one way (import-linter checks
it: pyproject.toml):

    handlers/  one module per Lambda of template.yaml, named as the function; wiring only
    api/       routers, request models, limits, the resolver; every error's HTTP answer
    logic/     use cases (orders, inventory, admin, scenarios); domain errors, no HTTP
    dal/       DynamoDB and S3; the only package that calls AWS or writes an expression

`settings.py` (the environment, read in one place) and `observability.py` (the one Logger,
Tracer and Metrics) serve every layer. Every layer may use `solver/`, the pure core.

Where things go:
- a new endpoint: its route in the router of its area (`api/orders.py`, ...), its request model
  in `api/models.py`, its path and method in template.yaml under the function that serves it
  (a new function: `handlers/<name>.py` too, and the variables it needs in its `NEEDS`);
- a new use case: a function in `logic/` (a new area: a module or a subpackage of its own);
- a new DynamoDB access pattern: a function in the `dal/` module of its table (a new table:
  `dal/tables.py`, template.yaml and `settings.py`).

This follows aws-lambda-handler-cookbook's `service/` (handlers, logic, dal, models) with three
differences, said in each folder's docstring: the request models live in `api/` with the
routers that validate them; `logic/` is a thin service layer because the domain proper is
`solver/`, shared with the command line; and `dal/` has no abstract interface.
"""
