"""Orders on live data: `planning.py` (the per-order optimum on freshly read stock and
capacity, the answer body, the reservation deltas), `lifecycle.py` (create and reserve, read,
cancel, reject lines and re-route them) and `promise.py` (delivery options, reserving nothing)."""
