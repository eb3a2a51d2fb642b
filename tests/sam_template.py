"""template.yaml read as data, with CloudFormation's short tags (`!Ref`, `!Sub`, ...)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from functions.dal.tables import TABLES

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags: `!Ref X` -> {"Ref": "X"}, `!Sub s` -> {...}."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def template() -> dict[str, Any]:
    loaded = yaml.load(TEMPLATE.read_text(), Loader=_CloudFormationLoader)
    assert isinstance(loaded, dict)
    return loaded


def resources(kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template()["Resources"].items() if r["Type"] == kind}


def functions() -> dict[str, dict[str, Any]]:
    return resources("AWS::Serverless::Function")


def function_property(function: dict[str, Any], name: str) -> Any:
    """A function's property, falling back to Globals.Function as SAM does."""
    own = function["Properties"].get(name)
    return own if own is not None else template()["Globals"]["Function"].get(name)


def api_routes(function: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every API event of a function, e.g. ("GET", "/v1/orders/{order_id}")."""
    return {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Api"
    }


def table_resource(logical: str) -> str:
    """The template's resource name of a logical table: `stock` -> `StockTable`."""
    return f"{logical.capitalize()}Table"


def referenced_table(value: Any) -> str:
    assert isinstance(value, dict) and set(value) == {"Ref"}, value
    name = value["Ref"]
    (logical,) = [t for t in TABLES if table_resource(t) == name]
    return logical


def env_tables(function: dict[str, Any]) -> dict[str, str]:
    """Environment variable -> logical table, for the variables that name a table."""
    variables = function["Properties"].get("Environment", {}).get("Variables", {})
    return {key: referenced_table(v) for key, v in variables.items() if key.endswith("_TABLE")}
