"""The local stack as a client sees it; one per test module."""

from tests.integration.conftest import stack

__all__ = ["stack"]
