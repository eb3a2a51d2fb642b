"""Lambda entry points, one module per function of template.yaml, named as the function
(`OrdersFunction` -> `orders.py`, `ScenarioWorkerFunction` -> `scenario_worker.py`). Each is
wiring only: `NEEDS` (the environment variables its function needs, `functions/settings.py`),
the routers of `api/` it serves, and `handler` (with `build_handler()`, the factory behind it).

As in the cookbook's `handlers/`, except that the route functions themselves live in `api/`:
the docs function serves every router to describe the whole API, so a router cannot belong to
one handler module."""
