"""The settings model: every function gets from template.yaml the variables it needs, a missing
or bad variable is named on the function's first call, and nothing else reads the environment."""

from __future__ import annotations

import importlib
import json
import re
from types import ModuleType
from typing import Any

import pytest

from functions.dal.tables import TABLES
from functions.settings import (
    VARIABLES,
    Settings,
    SettingsError,
    current_settings,
    require_settings,
    table_env_var,
)
from tests.sam_template import ROOT, functions, template


def handler_module(function: dict[str, Any]) -> ModuleType:
    return importlib.import_module(function["Properties"]["Handler"].rpartition(".")[0])


def template_variables(function: dict[str, Any]) -> dict[str, Any]:
    """The function's environment on AWS: Globals.Function's variables, then its own."""
    globals_ = template()["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    own = function["Properties"].get("Environment", {}).get("Variables", {})
    return {**globals_, **own}


def deployed_value(value: Any) -> str:
    """A variable's value as a deployment with the default parameters sets it: a parameter's
    default for `!Ref Parameter`, an opaque name for a resource's `!Ref`/`!GetAtt`."""
    parameters = template()["Parameters"]
    if isinstance(value, dict) and value.get("Ref") in parameters:
        return str(parameters[value["Ref"]]["Default"])
    return value if isinstance(value, str) else json.dumps(value)


NUMBER_VARIABLES = {
    "DYNAMODB_READ_TIMEOUT": "7.5",
    "WHATIF_CONCURRENCY": "3",
    "MAX_CONCURRENT_JOBS": "2",
    "CLOSED_ORDER_RETENTION_DAYS": "30",
    "PENDING_RECOVERY_SECONDS": "90",
    "FENCE_MINUTES": "45",
    "REOPTIMISE_WINDOW_MINUTES": "20",
    "REALLOCATION_CHUNK_ORDERS": "500",
    "REALLOCATION_SOLVE_SECONDS": "30",
    "REALLOCATION_SOLVE_WORK": "12.5",
}
"""The variables that hold numbers, and a valid value of each."""
CHOICE_VARIABLES = {"API_AUTH": "COGNITO"}
"""The variables that hold one of a few words, and a valid value of each."""


class Context:
    """The parts of a Lambda context Powertools reads."""

    function_name, memory_limit_in_mb, aws_request_id = "test", 128, "r-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"


@pytest.fixture()
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No variable of the settings model set (whatever a local stack set in this process)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_every_table_has_its_variable_in_the_settings() -> None:
    assert {table_env_var(logical) for logical in TABLES} <= set(VARIABLES)


@pytest.mark.parametrize("name", sorted(functions()))
def test_template_sets_every_variable_the_function_needs(name: str) -> None:
    function = functions()[name]
    needs = handler_module(function).NEEDS
    assert set(needs) <= set(VARIABLES)
    missing = set(needs) - set(template_variables(function))
    assert not missing, f"{name} needs {sorted(missing)}, which template.yaml does not set"


@pytest.mark.parametrize("name", sorted(functions()))
def test_template_names_no_table_the_function_does_not_need(name: str) -> None:
    function = functions()[name]
    tables = {v for v in template_variables(function) if v.endswith("_TABLE")}
    assert tables <= set(handler_module(function).NEEDS), name


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_function_starts_with_exactly_its_template_environment(
    clean_environment: pytest.MonkeyPatch, name: str
) -> None:
    function = functions()[name]
    for variable, value in template_variables(function).items():
        clean_environment.setenv(variable, deployed_value(value))
    settings = require_settings(handler_module(function).NEEDS)
    for variable in handler_module(function).NEEDS:
        assert getattr(settings, variable.lower())


def test_a_missing_table_variable_is_named_not_replaced_by_a_literal_name(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("ORDERS_TABLE", "prod-orders")
    with pytest.raises(SettingsError, match="STOCK_TABLE, CAPACITY_TABLE"):
        require_settings(["ORDERS_TABLE", "STOCK_TABLE", "CAPACITY_TABLE"])
    with pytest.raises(SettingsError, match="STOCK_TABLE is not set"):
        current_settings().table("stock")
    assert current_settings().table_names() == {"orders": "prod-orders"}


def test_an_empty_variable_counts_as_missing(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("SCENARIO_BUCKET", "")
    with pytest.raises(SettingsError, match="SCENARIO_BUCKET"):
        require_settings(["SCENARIO_BUCKET"])


def test_a_bad_value_is_named_with_what_is_wrong(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("DYNAMODB_READ_TIMEOUT", "soon")
    with pytest.raises(SettingsError, match=r"DYNAMODB_READ_TIMEOUT='soon': .*number"):
        current_settings()
    clean_environment.setenv("DYNAMODB_READ_TIMEOUT", "-1")
    with pytest.raises(SettingsError, match="DYNAMODB_READ_TIMEOUT='-1'"):
        current_settings()
    clean_environment.setenv("DYNAMODB_READ_TIMEOUT", "120")
    assert current_settings().dynamodb_read_timeout == 120.0


def test_settings_follow_the_environment_as_it_changes(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("STOCK_TABLE", "a")
    first = current_settings()
    assert current_settings() is first  # read once per environment
    clean_environment.setenv("STOCK_TABLE", "b")
    assert current_settings().table("stock") == "b"


def test_the_orders_function_fails_its_first_call_naming_what_is_missing(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    from functions.handlers import orders

    for variable in orders.NEEDS:
        clean_environment.setenv(variable, f"t-{variable.lower()}")
    clean_environment.delenv("CAPACITY_TABLE")
    event = {"httpMethod": "GET", "path": "/v1/orders/o-1", "headers": {}, "body": None}
    with pytest.raises(SettingsError, match="missing environment variables: CAPACITY_TABLE"):
        orders.handler(event, Context())


def test_the_worker_fails_its_first_call_naming_what_is_missing(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    from functions.handlers import scenario_worker

    clean_environment.setenv("SCENARIOS_TABLE", "jobs")
    with pytest.raises(SettingsError, match="SCENARIO_BUCKET"):
        scenario_worker.handler({"action": "prepare"}, Context())


def test_nothing_in_functions_but_the_settings_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "functions").rglob("*.py"))
        if re.search(r"\bos\.(environ|getenv)\b", path.read_text())
    ]
    assert readers == ["functions/settings.py"]


def test_the_model_reads_its_fields_from_the_upper_case_variables(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    numbers = NUMBER_VARIABLES
    given = {**NUMBER_VARIABLES, **CHOICE_VARIABLES}
    for name in VARIABLES:
        clean_environment.setenv(name, given.get(name, f"value-of-{name}"))
    settings = Settings.from_environment()
    for name in VARIABLES:
        expected = float(numbers[name]) if name in numbers else given.get(name, f"value-of-{name}")
        assert getattr(settings, name.lower()) == expected


@pytest.mark.parametrize("name", sorted(functions()))
def test_every_setting_the_template_gives_from_a_parameter_is_valid_at_its_default(
    clean_environment: pytest.MonkeyPatch, name: str
) -> None:
    """A parameter's default must be a value the settings model accepts (e.g. the job cap)."""
    for variable, value in template_variables(functions()[name]).items():
        if variable in VARIABLES:
            clean_environment.setenv(variable, deployed_value(value))
    current_settings()


def test_the_what_if_job_cap_and_the_closed_order_retention_come_from_parameters() -> None:
    scenarios = template_variables(functions()["ScenariosFunction"])
    assert scenarios["MAX_CONCURRENT_JOBS"] == {"Ref": "MaxConcurrentWhatifJobs"}
    orders = template_variables(functions()["OrdersFunction"])
    assert orders["CLOSED_ORDER_RETENTION_DAYS"] == {"Ref": "ClosedOrderRetentionDays"}


def test_number_variables_are_exactly_the_numeric_fields() -> None:
    numeric = {
        name
        for name in VARIABLES
        if Settings.model_fields[name.lower()].annotation in (int, float, int | None, float | None)
    }
    assert numeric == set(NUMBER_VARIABLES)


def test_the_reallocation_re_plan_has_a_work_budget_from_a_parameter_and_the_seconds_as_cap(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    worker = template_variables(functions()["ReallocationWorkerFunction"])
    assert worker["REALLOCATION_SOLVE_WORK"] == {"Ref": "ReallocationSolveWork"}
    assert "REALLOCATION_SOLVE_SECONDS" in worker
    assert Settings.from_environment().reallocation_solve_work == 40.0
    assert deployed_value(worker["REALLOCATION_SOLVE_WORK"]) == "40"


@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_a_reallocation_work_budget_that_is_not_a_positive_number_is_named(
    clean_environment: pytest.MonkeyPatch, value: str
) -> None:
    clean_environment.setenv("REALLOCATION_SOLVE_WORK", value)
    with pytest.raises(SettingsError, match=f"REALLOCATION_SOLVE_WORK={value!r}"):
        current_settings()
