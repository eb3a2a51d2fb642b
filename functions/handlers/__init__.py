"""Lambda entry points, one module per function of template.yaml; each exposes `handler` and
`build_handler()` (a fresh resolver, for servers that run requests in parallel threads)."""
