"""The HTTP side: Powertools routers (one module per area: `orders.py`, `inventory.py`,
`admin.py`, `scenarios.py`, `docs.py`), the request models they validate (`models.py`) and their
documented limits (`limits.py`), the resolver and Lambda entry point (`resolver.py`), the
idempotent call every state-changing route makes (`idempotency.py`) and `errors.py`, the one
place an error becomes an HTTP status and body (a domain error of `logic/errors.py` by its kind).

A new endpoint is a route function in its area's router: it parses the request (a model here),
calls one use case of `logic/` with `current_database()` and answers; the status is decided
here, never in `logic/`. The cookbook keeps its `models/` beside `handlers/`; here they sit with
the routers, the only code that reads them."""
