"""Hypothesis profiles: deterministic in CI, random and many more examples at night.

`ci` (the default, what `make test` runs): every hypothesis test is derandomised, so a commit
that breaks a rule turns the suite red on that commit, not at random later. `nightly`
(`make test-nightly`): fresh random examples, `NIGHTLY_FACTOR` times as many for the tests that
scale with `examples()`, and every failure Hypothesis finds is saved, shrunk, in
`tests/hypothesis-examples/`. That folder is kept in the repository and replayed first by the
tests that use `EXAMPLES` (read-only in CI), so an example found once is tried on every commit.

Pick a profile with the environment variable HYPOTHESIS_PROFILE.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    ReadOnlyDatabase,
)

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
NIGHTLY = PROFILE == "nightly"
NIGHTLY_FACTOR = 20
"""How many times more examples a nightly run draws (see `examples`)."""
EXAMPLES_DIR = Path(__file__).resolve().parent / "hypothesis-examples"

_found = DirectoryBasedExampleDatabase(EXAMPLES_DIR)
EXAMPLES: ExampleDatabase = _found if NIGHTLY else ReadOnlyDatabase(_found)
"""The examples found so far (see above): written by nightly runs, only read in CI."""

_EVERY_PROFILE: dict = {
    "deadline": None,  # a shared 2-core machine: time is no signal
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow],
}
settings.register_profile("ci", derandomize=True, **_EVERY_PROFILE)
settings.register_profile("nightly", derandomize=False, **_EVERY_PROFILE)


def examples(in_ci: int) -> int:
    """`max_examples` for a test that draws `in_ci` examples in CI and many more at night."""
    return in_ci * NIGHTLY_FACTOR if NIGHTLY else in_ci


def load() -> None:
    settings.load_profile(PROFILE)
