"""template.yaml read as data, with CloudFormation's short tags (`!Ref`, `!Sub`, `!GetAtt`):
the functions, their API routes and Handler strings, and the state machines.

The local stack routes requests and runs state machines from this, so that what runs locally is
what `sam deploy` deploys; the tests read the same data to check the template against the code.
The template (and the state machine definitions it names) ship inside the package
(`omniroute/local/deployment/`: symlinks to the repository's files, copies in a wheel), so this
works from a checkout and from an installed wheel alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEPLOYMENT = Path(__file__).parent / "deployment"
TEMPLATE = DEPLOYMENT / "template.yaml"
FUNCTION = "AWS::Serverless::Function"
STATE_MACHINE = "AWS::Serverless::StateMachine"


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
def template(path: Path = TEMPLATE) -> dict[str, Any]:
    loaded = yaml.load(path.read_text(), Loader=_CloudFormationLoader)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("Resources"), dict):
        raise ValueError(f"{path}: not a CloudFormation template (no Resources)")
    return loaded


def resources(kind: str, path: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template(path)["Resources"].items() if r["Type"] == kind}


def functions(path: Path = TEMPLATE) -> dict[str, dict[str, Any]]:
    return resources(FUNCTION, path)


def function_property(function: dict[str, Any], name: str, path: Path = TEMPLATE) -> Any:
    """A function's property, falling back to Globals.Function as SAM does."""
    own = function["Properties"].get(name)
    return own if own is not None else template(path)["Globals"]["Function"].get(name)


def api_routes(function: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path) of every API event of a function, e.g. ("GET", "/v1/orders/{order_id}")."""
    return {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"])
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "Api"
    }


@dataclass(frozen=True)
class Route:
    """One API event of the template: `method` and `path` (with `{name}` parameters) are
    served by `function` (its logical id) through `handler` (its `Handler:` string)."""

    method: str
    path: str
    function: str
    handler: str


def routes(path: Path = TEMPLATE) -> tuple[Route, ...]:
    """Every API route of the template, sorted by path then method; a route on both APIs (the
    docs) once: the local stack serves both APIs on one port."""
    found = {
        Route(method, route_path, name, str(function["Properties"]["Handler"]))
        for name, function in functions(path).items()
        for method, route_path in api_routes(function)
    }
    return tuple(sorted(found, key=lambda r: (r.path, r.method)))


def handlers(path: Path = TEMPLATE) -> dict[str, str]:
    """Function logical id -> its `Handler:` string (`package.module.function`)."""
    return {name: str(f["Properties"]["Handler"]) for name, f in functions(path).items()}


@dataclass(frozen=True)
class StateMachine:
    """A state machine of the template: its logical id, the definition file it names
    (`DefinitionUri`, relative to the template) and its `DefinitionSubstitutions`, each the
    logical id of the function whose ARN it stands for (`!GetAtt Fn.Arn` or `!Ref Fn`)."""

    name: str
    definition: Path
    function_substitutions: dict[str, str]


def _function_of(value: Any) -> str | None:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        resource, attribute = value["Fn::GetAtt"]
        return str(resource) if attribute == "Arn" else None
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    return None


def state_machines(path: Path = TEMPLATE) -> dict[str, StateMachine]:
    machines = {}
    for name, machine in resources(STATE_MACHINE, path).items():
        properties = machine["Properties"]
        substitutions = {
            key: function
            for key, value in (properties.get("DefinitionSubstitutions") or {}).items()
            if (function := _function_of(value)) is not None
        }
        definition = path.parent / str(properties["DefinitionUri"])
        machines[name] = StateMachine(name, definition, substitutions)
    return machines


def substitute(definition: str, values: dict[str, str]) -> str:
    """`${Name}` placeholders of a definition replaced as DefinitionSubstitutions do; a name
    without a value is an error (Step Functions would refuse the definition)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"definition substitution ${{{name}}} has no value")
        return values[name]

    return re.sub(r"\$\{([A-Za-z0-9_]+)\}", value, definition)
