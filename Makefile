# The few commands people type. `make test` is the README's test command (and CI's).
PY ?= python

.PHONY: test lint bench demo
test:
	$(PY) -m pytest -n 2 tests

lint:
	ruff check . && ruff format --check . && mypy

demo:
	omniroute plan examples/demo --strategy optimal --time-limit 60

bench:
	$(PY) bench/run_strategies.py
