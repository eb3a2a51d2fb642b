"""template.yaml agrees with the code: tables, handlers, routes, environment and policies."""

from __future__ import annotations

import importlib
import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from functions.dal.tables import TABLES, TTL_ATTRIBUTE
from functions.settings import table_env_var
from tests.sam_template import (
    ROOT,
    env_tables,
    function_property,
    functions,
    referenced_table,
    resources,
    table_resource,
    template,
)

LAYER_REQUIREMENTS = ROOT / "infra" / "lambda" / "requirements.txt"
WHATIF_LAYER_REQUIREMENTS = ROOT / "infra" / "lambda" / "whatif-requirements.txt"
LOCK_SCRIPT = ROOT / "infra" / "lambda" / "lock_requirements.py"
WHATIF_FUNCTIONS = {"ScenariosFunction", "ScenarioWorkerFunction"}
"""Functions that also use the what-if layer (the scenario reader and the report)."""


def _sorted(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: item[key])


def _index(index: dict[str, Any]) -> dict[str, Any]:
    return {**index, "KeySchema": _sorted(index["KeySchema"], "AttributeName")}


def table_design(properties: dict[str, Any]) -> dict[str, Any]:
    """The parts of a table that must agree: keys, attribute types, billing, GSIs."""
    return {
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": _sorted(properties["AttributeDefinitions"], "AttributeName"),
        "BillingMode": properties["BillingMode"],
        "GlobalSecondaryIndexes": sorted(
            (_index(i) for i in properties.get("GlobalSecondaryIndexes", [])),
            key=lambda i: i["IndexName"],
        ),
        "LocalSecondaryIndexes": sorted(
            (_index(i) for i in properties.get("LocalSecondaryIndexes", [])),
            key=lambda i: i["IndexName"],
        ),
    }


# --- tables -----------------------------------------------------------------------------------


def test_template_declares_exactly_the_tables_of_tables_py() -> None:
    declared = set(resources("AWS::DynamoDB::Table"))
    assert declared == {table_resource(logical) for logical in TABLES}


@pytest.mark.parametrize("logical", sorted(TABLES))
def test_template_table_has_the_keys_and_indexes_of_tables_py(logical: str) -> None:
    declared = resources("AWS::DynamoDB::Table")[table_resource(logical)]["Properties"]
    assert table_design(declared) == table_design(TABLES[logical])


@pytest.mark.parametrize("logical", sorted(TABLES))
def test_template_table_has_the_ttl_of_tables_py(logical: str) -> None:
    declared = resources("AWS::DynamoDB::Table")[table_resource(logical)]["Properties"]
    ttl = declared.get("TimeToLiveSpecification")
    if logical in TTL_ATTRIBUTE:
        assert ttl == {"AttributeName": TTL_ATTRIBUTE[logical], "Enabled": True}
    else:
        assert ttl is None


def test_idempotency_table_expires_its_records() -> None:
    assert "idempotency" in TABLES
    assert "idempotency" in TTL_ATTRIBUTE


# --- environment and policies -------------------------------------------------------------------


def _statement_tables(statements: list[dict[str, Any]]) -> set[str]:
    """Logical tables that inline `dynamodb:` statements name (`!GetAtt XTable.Arn`, or a
    `!Sub` of "${XTable.Arn}/index/...")."""
    tables = set()
    for statement in statements:
        if not any(a.startswith("dynamodb:") for a in statement["Action"]):
            continue
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            if "Fn::GetAtt" in resource:
                name = resource["Fn::GetAtt"][0]
            else:
                name = re.fullmatch(r"\$\{(\w+)\.Arn\}(/.*)?", resource["Fn::Sub"]).group(1)
            tables.add(referenced_table({"Ref": name}))
    return tables


def policy_tables(function: dict[str, Any]) -> dict[str, set[str]]:
    """SAM policy template name (or "Statement", inline statements) -> logical tables it is
    scoped to."""
    scoped: dict[str, set[str]] = {}
    for policy in function["Properties"].get("Policies", []):
        ((template_name, arguments),) = policy.items()
        if template_name == "Statement":
            if tables := _statement_tables(arguments):
                scoped.setdefault("Statement", set()).update(tables)
            continue
        if not template_name.startswith("DynamoDB"):
            continue  # S3 and Step Functions grants: test_scenario_functions_* below
        scoped.setdefault(template_name, set()).add(referenced_table(arguments["TableName"]))
    return scoped


@pytest.mark.parametrize("name", sorted(functions()))
def test_table_environment_variables_are_named_as_the_handlers_read_them(name: str) -> None:
    for variable, logical in env_tables(functions()[name]).items():
        assert variable == table_env_var(logical)


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_function_may_touch_only_the_tables_it_is_told_about(name: str) -> None:
    """Least privilege: a policy for every table in the environment, none for any other."""
    function = functions()[name]
    scoped = policy_tables(function)
    assert set(scoped) <= {"DynamoDBCrudPolicy", "DynamoDBReadPolicy", "Statement"}
    in_policies = set().union(*scoped.values()) if scoped else set()
    assert in_policies == set(env_tables(function).values())
    both = scoped.get("DynamoDBCrudPolicy", set()) & scoped.get("DynamoDBReadPolicy", set())
    assert not both, f"{name}: read and CRUD on the same tables {both}"


def test_functions_that_change_state_use_the_idempotency_table() -> None:
    for name, function in functions().items():
        if any(
            event["Properties"].get("Method", "").lower() in {"post", "put", "delete", "patch"}
            for event in function["Properties"].get("Events", {}).values()
        ):
            assert "idempotency" in policy_tables(function).get("DynamoDBCrudPolicy", set()), name


def test_powertools_settings_and_tracing_apply_to_every_function() -> None:
    globals_ = template()["Globals"]["Function"]
    assert globals_["Tracing"] == "Active"
    variables = globals_["Environment"]["Variables"]
    assert variables["POWERTOOLS_SERVICE_NAME"] == "omniroute"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Omniroute"
    assert "POWERTOOLS_LOG_LEVEL" in variables
    for function in functions().values():
        assert "Tracing" not in function["Properties"]


def test_every_api_has_tracing_on() -> None:
    apis = resources("AWS::Serverless::Api")
    assert set(apis) == {"CheckoutApi", "OperationsApi"}
    for api in apis.values():
        assert api["Properties"]["TracingEnabled"] is True


# --- packaging ---------------------------------------------------------------------------------


def runtime_dependencies() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}


def lock_tool() -> ModuleType:
    """infra/lambda/lock_requirements.py (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("lock_requirements", LOCK_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def locked(path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    return lock_tool().blocks(path.read_text())


@pytest.mark.parametrize("lock", [LAYER_REQUIREMENTS, WHATIF_LAYER_REQUIREMENTS], ids=str)
def test_each_layer_lock_pins_every_package_with_its_hashes(lock: Path) -> None:
    pinned = locked(lock)
    assert pinned
    for name, (pin, hashes) in pinned.items():
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\],]+==[A-Za-z0-9_.+]+", pin), pin
        assert hashes and all(h.startswith("--hash=sha256:") for h in hashes), name


@pytest.mark.parametrize(
    ("lock", "roots"),
    [(LAYER_REQUIREMENTS, "layer.in"), (WHATIF_LAYER_REQUIREMENTS, "whatif-layer.in")],
    ids=["dependencies", "whatif"],
)
def test_each_layer_locks_its_roots_within_the_ranges_of_pyproject(lock: Path, roots: str) -> None:
    """The CI check (lock_requirements.py --check) relocks; this one needs no network."""
    declared = runtime_dependencies()
    pinned = locked(lock)
    base = locked(LAYER_REQUIREMENTS)
    for line in lock_tool().names(ROOT / "infra" / "lambda" / roots):
        name = canonicalize_name(Requirement(line).name)
        assert name in declared, f"{roots}: {name} is not a runtime dependency in pyproject.toml"
        pin = (pinned.get(name) or base[name])[0]
        version = pin.split("==")[1]
        assert declared[name].specifier.contains(version, prereleases=True), (name, version)


def test_the_whatif_lock_holds_nothing_the_dependency_layer_ships() -> None:
    pruned = {canonicalize_name(n) for n in lock_tool().names(LOCK_SCRIPT.parent / "pruned.txt")}
    shipped = set(locked(LAYER_REQUIREMENTS)) - pruned
    assert not shipped & set(locked(WHATIF_LAYER_REQUIREMENTS))


@pytest.mark.parametrize(
    ("lock", "pruned"),
    [(LAYER_REQUIREMENTS, "pruned.txt"), (WHATIF_LAYER_REQUIREMENTS, "whatif-pruned.txt")],
    ids=["dependencies", "whatif"],
)
def test_each_layer_prunes_only_what_its_lock_installs(lock: Path, pruned: str) -> None:
    """A name left in a prune list after its package left the lock would hide a stale list."""
    names = {canonicalize_name(n) for n in lock_tool().names(LOCK_SCRIPT.parent / pruned)}
    assert names <= set(locked(lock)), names - set(locked(lock))


def test_every_function_uses_the_dependency_layer_on_the_runtime_it_was_built_for() -> None:
    layers = resources("AWS::Serverless::LayerVersion")
    layer = layers["DependenciesLayer"]["Properties"]
    for name, function in functions().items():
        # SAM appends a function's own layers to those of Globals.Function.
        used = template()["Globals"]["Function"]["Layers"] + function["Properties"].get(
            "Layers", []
        )
        expected = [{"Ref": "DependenciesLayer"}]
        if name in WHATIF_FUNCTIONS:
            expected.append({"Ref": "WhatifLayer"})
        assert used == expected, name
        for ref in used:
            built_for = layers[ref["Ref"]]["Properties"]
            assert function_property(function, "Runtime") in built_for["CompatibleRuntimes"]
            assert function_property(function, "Architectures") == layer["CompatibleArchitectures"]
            assert built_for["CompatibleArchitectures"] == layer["CompatibleArchitectures"]


# --- handlers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(functions()))
def test_every_handler_the_template_names_exists_and_imports(name: str) -> None:
    function = functions()[name]
    module_name, _, attribute = function["Properties"]["Handler"].rpartition(".")
    code_root = ROOT / function_property(function, "CodeUri")
    assert (code_root / Path(*module_name.split("."))).with_suffix(".py").is_file()
    module = importlib.import_module(module_name)
    assert Path(module.__file__ or "").resolve().is_relative_to(code_root.resolve())
    assert callable(getattr(module, attribute))


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_handler_module_is_named_as_its_function(name: str) -> None:
    """`OrdersFunction` -> functions/handlers/orders.py, `ScenarioWorkerFunction` ->
    functions/handlers/scenario_worker.py: a reader finds a function's code from its name."""
    module_name = functions()[name]["Properties"]["Handler"].rpartition(".")[0]
    words = re.findall(r"[A-Z][a-z0-9]*", name.removesuffix("Function"))
    assert module_name == "functions.handlers." + "_".join(w.lower() for w in words)


def test_every_function_and_layer_has_a_build_target() -> None:
    """`sam build` runs `make build-<Resource>` in the ContextPath of each makefile build."""
    built = {**functions(), **resources("AWS::Serverless::LayerVersion")}
    for name, resource in built.items():
        metadata = resource["Metadata"]
        assert metadata["BuildMethod"] == "makefile", name
        makefile = (ROOT / metadata["ContextPath"] / "Makefile").read_text()
        assert re.search(rf"^[^#\n]*\bbuild-{name}\b[^\n]*:", makefile, re.MULTILINE), name


# --- what-if jobs (issue 4) ---------------------------------------------------------------------


def _statements(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in resource["Properties"].get("Policies", [])
        for statement in policy.get("Statement", [])
    ]


def test_scenario_functions_reach_only_their_bucket_prefixes() -> None:
    for name, prefixes in {
        "ScenariosFunction": {"datasets/*", "jobs/*"},
        "ScenarioWorkerFunction": {"jobs/*"},
    }.items():
        function = functions()[name]
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["SCENARIO_BUCKET"] == {"Ref": "ScenarioBucket"}
        objects, listed = set(), set()
        for statement in _statements(function):
            assert statement["Effect"] == "Allow"
            if statement["Action"] == ["s3:ListBucket"]:
                assert statement["Resource"] == {"Fn::GetAtt": ["ScenarioBucket", "Arn"]}
                listed |= set(statement["Condition"]["StringLike"]["s3:prefix"])
            else:
                resource = statement["Resource"]["Fn::Sub"]
                assert resource.startswith("${ScenarioBucket.Arn}/"), resource
                objects.add(resource.removeprefix("${ScenarioBucket.Arn}/"))
        assert objects == prefixes == listed, name


def test_only_the_api_starts_the_state_machine_which_invokes_only_the_worker() -> None:
    api = functions()["ScenariosFunction"]["Properties"]
    assert api["Environment"]["Variables"]["STATE_MACHINE_ARN"] == {"Ref": "ScenarioStateMachine"}
    assert {
        "StepFunctionsExecutionPolicy": {
            "StateMachineName": {"Fn::GetAtt": ["ScenarioStateMachine", "Name"]}
        }
    } in api["Policies"]
    worker = functions()["ScenarioWorkerFunction"]["Properties"]
    assert "STATE_MACHINE_ARN" not in worker["Environment"]["Variables"]
    machine = resources("AWS::Serverless::StateMachine")["ScenarioStateMachine"]["Properties"]
    assert machine["DefinitionUri"] == "infra/scenario-state-machine.asl.json"
    assert (ROOT / machine["DefinitionUri"]).is_file()
    assert machine["DefinitionSubstitutions"] == {
        "ScenarioWorkerArn": {"Fn::GetAtt": ["ScenarioWorkerFunction", "Arn"]}
    }
    assert {"LambdaInvokePolicy": {"FunctionName": {"Ref": "ScenarioWorkerFunction"}}} in machine[
        "Policies"
    ]
    actions = {a for s in _statements({"Properties": machine}) for a in s["Action"]}
    assert actions == {
        "states:StartExecution",  # the Distributed Map's child executions
        "states:DescribeExecution",
        "states:StopExecution",
        "s3:ListBucket",  # its ItemReader
        "s3:GetObject",
        # its Logging (to its log group; these take no narrower resource than "*")
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
    definition = (ROOT / machine["DefinitionUri"]).read_text()
    assert set(re.findall(r"\$\{(\w+)\}", definition)) == set(machine["DefinitionSubstitutions"])
