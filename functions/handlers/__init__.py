"""Lambda entry points, one module per function of template.yaml; each exposes `handler` (and
`build_handler()`, the factory that builds it)."""
