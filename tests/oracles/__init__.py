"""Independent oracles: the fulfilment model re-read from its spec, and exact search over it.

Nothing here imports `solver.pricing`, `solver.checker`, the per-order solver or a strategy:
the oracles price, judge and search from the spec's rules (fulfilment-model.md §1–§6) and the
raw records of a dataset, so a bug in one of the solver's rules cannot fool them too.
"""
