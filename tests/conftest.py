"""Settings shared by every test: the hypothesis profile (see `tests/hypothesis_profiles.py`)."""

from tests import hypothesis_profiles

hypothesis_profiles.load()
