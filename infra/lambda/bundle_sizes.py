"""The unzipped size of every function of template.yaml (its code plus all its layers), against
Lambda's limit for zip packages, 250 MB = 262,144,000 bytes; exits 1 naming any function past it.

    python infra/lambda/bundle_sizes.py --code CODE_DIR [--code FUNCTION=DIR ...] \
        --layer DependenciesLayer=DIR --layer WhatifLayer=DIR [--template template.yaml]

Sizes are the bytes of the files the bundle holds, as Lambda counts the unzipped package. A
function's layers are Globals.Function's then its own (as SAM appends them). Run by
infra/check_template.sh with the folders it built; docs/deploy.md quotes its table. Needs PyYAML
(the aws-sam-cli tool environment has it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

LIMIT = 262_144_000
"""Lambda's quota for a function's deployment package and layers, unzipped."""


class _Loader(yaml.SafeLoader):
    """CloudFormation's short tags read as plain values (only Refs to layers matter here)."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _tag)


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def function_layers(template: dict[str, Any]) -> dict[str, list[str]]:
    shared = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    return {
        name: [ref["Ref"] for ref in shared + r["Properties"].get("Layers", [])]
        for name, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument("--code", action="append", required=True, help="DIR or FUNCTION=DIR")
    parser.add_argument("--layer", action="append", default=[], help="LAYER=DIR")
    args = parser.parse_args()
    template = yaml.load(args.template.read_text(), Loader=_Loader)
    codes = dict(c.split("=", 1) if "=" in c else ("*", c) for c in args.code)
    layers = {name: folder_bytes(Path(d)) for name, d in (x.split("=", 1) for x in args.layer)}
    code_bytes = {name: folder_bytes(Path(d)) for name, d in codes.items()}
    over = []
    print(f"{'function':<24} {'code':>9} {'layers':>9} {'total MB':>9}  of {LIMIT / 1e6:.1f}")
    for function, used in sorted(function_layers(template).items()):
        missing = [layer for layer in used if layer not in layers]
        if missing:
            print(f"{function}: no folder given for {missing}", file=sys.stderr)
            return 2
        code = code_bytes.get(function, code_bytes["*"])
        layer_bytes = sum(layers[layer] for layer in used)
        total = code + layer_bytes
        flag = "  OVER THE LIMIT" if total > LIMIT else f"  {(LIMIT - total) / 1e6:.1f} MB to spare"
        sizes = f"{code / 1e6:>9.1f} {layer_bytes / 1e6:>9.1f} {total / 1e6:>9.1f}"
        print(f"{function:<24} {sizes}{flag}")
        if total > LIMIT:
            over.append(function)
    if over:
        print(f"over Lambda's unzipped limit ({LIMIT:,} bytes): {', '.join(over)}", file=sys.stderr)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
