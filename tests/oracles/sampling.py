"""How the oracle tests draw their examples: `oracle_property` and the fixed-seed samples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hypothesis_profiles import EXAMPLES, examples


def oracle_property(in_ci: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A hypothesis test over `st.data()` (draw with `worlds.HypothesisDraw(data)`): `in_ci`
    derandomised examples in CI, many more at random at night, found examples replayed first."""

    def decorate(test: Callable[..., Any]) -> Callable[..., Any]:
        return settings(database=EXAMPLES, max_examples=examples(in_ci))(
            given(data=st.data())(test)
        )

    return decorate
