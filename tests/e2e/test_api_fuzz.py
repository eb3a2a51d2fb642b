"""Property-based fuzzing of the API from its own OpenAPI document (schemathesis): whatever a
caller sends, the answer is never a 5xx. Bounded: a few dozen examples per operation.

Each operation's hypothesis strategy is driven directly (schemathesis' pytest plugin does not
run under this project's pytest version)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from omniroute.local.stack import LocalStack

EXAMPLES_PER_OPERATION = 25


def _operations(stack: LocalStack) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_url(f"{stack.url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_the_fuzzer_sees_every_operation(stack: LocalStack) -> None:
    assert len(_operations(stack)) == 17  # 11 routing, 3 /v1/scenarios, 3 reallocation (issue 11)


@pytest.mark.slow
def test_no_request_produces_a_server_error(stack: LocalStack) -> None:
    failures: list[str] = []
    for operation in _operations(stack):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call(base_url=stack.url)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} body={case.body!r} -> "
                    f"{response.status_code} {response.text[:300]}"
                )

        call()
    assert not failures, "\n".join(failures[:10])
