"""template.yaml as CloudFormation deploys it, checked offline for several parameter sets.

Run with the Python of the aws-sam-cli tool environment (infra/check_template.sh does):

    .ci-tools/sam/bin/python infra/check_transformed.py OUT_DIR

For each variant below it does what CloudFormation does at deploy time: the part of the
AWS::LanguageExtensions transform this template uses (`!If` on parameter conditions anywhere,
`AWS::NoValue` removed, a parameter as DeletionPolicy / UpdateReplacePolicy), drops the
resources whose condition is false, then the SAM transform (samtranslator), after what
`sam package` does (code in S3, state machine definitions inline).

Why not SAM CLI's own offline copy of the language extensions
(samcli.lib.cfn_language_extensions.process_template): in its partial mode it turns
`!Sub "${Bucket.Arn}/jobs/*"` into the plain string "${Bucket.Arn}/jobs/*" (the Fn::Sub is
lost), so the policies checkov would scan are not the deployed ones. `sam build` and
`sam deploy` do not use it for the template they upload (they keep the original).

It writes OUT_DIR/<variant>.json for checkov, after copying each SAM resource's checkov skips
(Metadata) to the resources SAM generates from it (the stage of an API, the role of a function):
the justification stays next to the resource in template.yaml, and the generated resources are
scanned too.

Then it checks the route groups on the generated APIs (tests/route_groups.py): every method is on
its group's API, and is protected as the variant's AuthMode says (SigV4 without caller
credentials, the group's Cognito scope, an API key), except the docs when PublicDocs is true.
Exits non-zero naming every problem.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.route_groups import DOCS, GROUP_API, SCOPES, group_of_api, route_group  # noqa: E402

REGION, ACCOUNT = "us-east-1", "123456789012"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
VARIANTS: dict[str, dict[str, str]] = {
    "iam": {},
    "cognito": {"AuthMode": "COGNITO"},
    "api-key": {"AuthMode": "API_KEY", "PublicDocs": "true"},
    "iam-public-docs-kms-alarms": {
        "PublicDocs": "true",
        "KmsKeyArn": KEY,
        "AlarmTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:omniroute-alarms",
        "OrdersReservedConcurrency": "100",
        "ClosedOrderRetentionDays": "30",
        "ApiGatewayCloudWatchRole": "existing",
        "DataDeletionPolicy": "Delete",
        "DeletionProtection": "false",
    },
}
"""Parameter overrides of each variant (the rest: the template's defaults)."""


class NoManagedPolicies:
    """samtranslator's managed-policy loader: the template names none by name."""

    def load(self) -> dict[str, str]:
        return {}


def parameters(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    values = {name: p.get("Default") for name, p in template["Parameters"].items()}
    unknown = set(overrides) - set(values)
    assert not unknown, f"not parameters of the template: {sorted(unknown)}"
    return {**values, **overrides}


def deployed(template: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The template after both transforms, with `values` for the parameters."""
    conditions = _conditions(template, values)
    resolved = _language_extensions(template, values, conditions)
    resolved["Resources"] = {
        name: r
        for name, r in resolved["Resources"].items()
        if conditions.get(r.get("Condition", ""), True)
    }
    resolved["Outputs"] = {
        name: o
        for name, o in resolved.get("Outputs", {}).items()
        if conditions.get(o.get("Condition", ""), True)
    }
    _packaged(resolved)
    resolved["Transform"] = "AWS::Serverless-2016-10-31"
    output: dict[str, Any] = transform(resolved, dict(values), NoManagedPolicies())
    _carry_checkov_skips(resolved["Resources"], output["Resources"])
    return output


NO_VALUE = {"Ref": "AWS::NoValue"}


def _language_extensions(
    template: dict[str, Any], values: dict[str, Any], conditions: dict[str, bool]
) -> dict[str, Any]:
    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                name, when_true, when_false = node["Fn::If"]
                return resolve(when_true if conditions[name] else when_false)
            resolved = {key: resolve(value) for key, value in node.items()}
            return {key: value for key, value in resolved.items() if value != NO_VALUE}
        if isinstance(node, list):
            return [item for item in map(resolve, node) if item != NO_VALUE]
        return node

    out: dict[str, Any] = resolve(template)
    for resource in out["Resources"].values():
        for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
            value = resource.get(policy)
            if isinstance(value, dict) and set(value) == {"Ref"}:
                resource[policy] = values[value["Ref"]]
    return out


def _packaged(template: dict[str, Any]) -> None:
    """What `sam package` leaves: code and layers in S3, the state machine definitions inline."""
    artifact = "s3://omniroute-artifacts/build.zip"
    template.get("Globals", {}).get("Function", {})["CodeUri"] = artifact
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function" and "CodeUri" in properties:
            properties["CodeUri"] = artifact
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = artifact
        if resource["Type"] == "AWS::Serverless::StateMachine" and "DefinitionUri" in properties:
            definition = ROOT / properties.pop("DefinitionUri")
            properties["Definition"] = json.loads(definition.read_text())


def _conditions(template: dict[str, Any], values: dict[str, Any]) -> dict[str, bool]:
    def evaluate(node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return values[arg]
            if key == "Condition":
                return evaluate(template["Conditions"][arg])
            if key == "Fn::Equals":
                left, right = (evaluate(a) for a in arg)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not evaluate(arg[0])
            if key == "Fn::And":
                return all(evaluate(a) for a in arg)
            if key == "Fn::Or":
                return any(evaluate(a) for a in arg)
        return node

    return {name: bool(evaluate(c)) for name, c in template.get("Conditions", {}).items()}


def _carry_checkov_skips(source: dict[str, Any], output: dict[str, Any]) -> None:
    """A generated resource (one the source does not declare) gets the checkov skips of the
    serverless resource whose logical id is the longest prefix of its own."""
    serverless = {
        name: r["Metadata"]["checkov"]
        for name, r in source.items()
        if r["Type"].startswith("AWS::Serverless::") and "checkov" in r.get("Metadata", {})
    }
    for name, resource in output.items():
        owners = [s for s in serverless if name.startswith(s)]
        if not owners:
            continue
        owner = max(owners, key=len)
        metadata = resource.setdefault("Metadata", {})
        skips = metadata.setdefault("checkov", {}).setdefault("skip", [])
        known = {s["id"] for s in skips}
        skips.extend(s for s in copy.deepcopy(serverless[owner]["skip"]) if s["id"] not in known)


def route_problems(variant: str, output: dict[str, Any], values: dict[str, Any]) -> list[str]:
    """Every generated method on its group's API, protected as AuthMode says."""
    problems = []
    apis = {n: r for n, r in output["Resources"].items() if r["Type"] == "AWS::ApiGateway::RestApi"}
    if set(apis) != set(GROUP_API.values()):
        expected = sorted(GROUP_API.values())
        problems.append(f"{variant}: REST APIs {sorted(apis)}, expected {expected}")
    for api_name, api in apis.items():
        body = api["Properties"]["Body"]
        schemes = body.get("securityDefinitions") or body.get("components", {}).get(
            "securitySchemes", {}
        )
        for path, methods in body["paths"].items():
            for method, operation in methods.items():
                where = f"{variant}: {method.upper()} {path} on {api_name}"
                group = route_group(path)
                if group != DOCS and group_of_api(api_name) != group:
                    problems.append(f"{where}: a {group} route on the wrong API")
                expected = _expected_security(
                    values, api_name, group == DOCS and values["PublicDocs"] == "true"
                )
                security = operation.get("security", [])
                if security not in expected:
                    problems.append(f"{where}: security {security}, expected one of {expected}")
                credentials = operation["x-amazon-apigateway-integration"].get("credentials")
                if credentials is not None:
                    problems.append(f"{where}: invoked with credentials {credentials}")
                for requirement in security:
                    for scheme in set(requirement) - {"NONE"}:
                        if scheme not in schemes:
                            problems.append(f"{where}: no security scheme {scheme}")
    return problems


def _expected_security(values: dict[str, Any], api: str, public: bool) -> list[list[Any]]:
    """What a method's `security` may be (SAM writes `NONE` for "no authorizer")."""
    mode = values["AuthMode"]
    if public:
        return [[], [{"NONE": []}]]
    group = group_of_api(api)
    if mode == "IAM":
        return [[{"AWS_IAM": []}]]
    if mode == "COGNITO":
        return [[{f"{group.capitalize()}Tokens": [SCOPES[group]]}]]
    return [[{"api_key": []}]]


def main() -> int:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    template = yaml_parse((ROOT / "template.yaml").read_text())
    problems = []
    for variant, overrides in VARIANTS.items():
        values = parameters(template, overrides)
        output = deployed(copy.deepcopy(template), values)
        (out / f"{variant}.json").write_text(json.dumps(output, indent=1, default=str))
        found = route_problems(variant, output, values)
        problems += found
        routes = sum(
            len(r["Properties"]["Body"]["paths"][p])
            for r in output["Resources"].values()
            if r["Type"] == "AWS::ApiGateway::RestApi"
            for p in r["Properties"]["Body"]["paths"]
        )
        print(
            f"{variant}: {len(output['Resources'])} resources, {routes} methods, "
            f"{'OK' if not found else f'{len(found)} problem(s)'}"
        )
    for problem in problems:
        print(f"  - {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
