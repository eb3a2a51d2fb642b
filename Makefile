# The few commands people type. `make test` is the README's test command (and CI's).
PY ?= python

.PHONY: test test-nightly mutation lint bench demo demo-data check-template lock
test:
	$(PY) -m pytest -n 2 tests

# Fresh random hypothesis examples, many more of them (tests/hypothesis_profiles.py); failures
# found are saved in tests/hypothesis-examples/ for `make test` to replay: commit them.
test-nightly:
	HYPOTHESIS_PROFILE=nightly $(PY) -m pytest -n 2 tests

# Mutation testing of the rule-bearing modules and issue 15's deliberate bugs (docs/testing.md):
# 1 h 45 min to 2 h 30 min on the shared 2-core machine; `python -m tests.mutation.run --module NAME` runs one.
mutation:
	$(PY) -m tests.mutation.run

lint:
	ruff check . && ruff format --check . && mypy

demo:
	omniroute plan examples/demo --strategy optimal --time-limit 60

# The shipped demo dataset, regenerated (docs/calibration.md; tests/unit/test_demo.py checks it).
demo-data:
	omniroute dataset generate examples/demo --orders 200 --stores 30 --skus 150 --seed 7

bench:
	$(PY) bench/run_strategies.py

# cfn-lint, sam validate --lint, checkov and the Lambda bundle smoke test (CI runs it too).
check-template:
	bash infra/check_template.sh

# Relock the Lambda layers' requirements (hashes) after pyproject.toml or infra/lambda/*.in
# changed; needs uv (pip install uv). CI's check-template fails until the locks are current.
lock:
	$(PY) infra/lambda/lock_requirements.py
