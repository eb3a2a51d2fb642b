"""template.yaml for the tests: the parser the local stack uses (`omniroute/local/template.py`)
and the helpers that relate the template's tables to `functions/tables.py`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from functions.dal.tables import TABLES
from omniroute.local.template import (
    TEMPLATE,
    api_routes,
    function_property,
    functions,
    resources,
    template,
)

ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "ROOT",
    "TEMPLATE",
    "api_routes",
    "env_tables",
    "function_property",
    "functions",
    "referenced_table",
    "resources",
    "table_resource",
    "template",
]


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
