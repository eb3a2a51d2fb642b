"""Check a built Lambda bundle with the runtime's Python and nothing else on sys.path.

Run it with Python 3.12 in isolated mode, so only the bundle is importable:

    python3.12 -I -S infra/lambda/smoke_test.py --layer LAYER/python --code CODE_DIR \
        [--runtime BOTO3_DIR] [--dataset examples/demo]

It proves that what build_layer.sh pruned (pandas, the boto3 stack) is not needed: it imports
every handler module that exists in CODE_DIR, creates a SCIP solver through pywraplp,
routes every order of the dataset with the per-order solver, has the docs handler serve its
pages, and checks the orders handler refuses its first call without its environment, naming
the missing variables (no DynamoDB needed). Exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path

HANDLER_MODULES = ("orders", "inventory", "admin", "docs")


class LambdaContext:
    """The parts of a Lambda context Powertools reads."""

    function_name = "smoke-test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:smoke-test"
    aws_request_id = "smoke-test"


def api_gateway_get(path: str) -> dict[str, object]:
    """A minimal API Gateway REST (v1 proxy) event for GET `path`."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "GET",
            "path": path,
            "stage": "live",
            "requestId": "smoke-test",
        },
        "body": None,
        "isBase64Encoded": False,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--layer", type=Path, required=True, help="the layer's python/ folder")
    parser.add_argument("--code", type=Path, required=True, help="the function's code folder")
    parser.add_argument("--runtime", type=Path, help="boto3 as the Lambda runtime provides it")
    parser.add_argument("--dataset", type=Path, default=Path("examples/demo"))
    args = parser.parse_args()
    # Lambda's order: the function code, then layers, then the runtime's own packages.
    sys.path[:0] = [str(p) for p in (args.code, args.layer, args.runtime) if p is not None]

    assert sys.version_info[:2] == (3, 12), f"run this with Python 3.12, not {sys.version}"
    assert importlib.util.find_spec("pandas") is None, "pandas is in the bundle"

    started = time.perf_counter()
    from ortools.linear_solver import pywraplp

    from solver.ledger import Ledger
    from solver.loading import load_dataset
    from solver.order_solver import solve_order

    print(f"solver imports: {time.perf_counter() - started:.2f} s")
    scip = pywraplp.Solver.CreateSolver("SCIP")
    assert scip is not None, "SCIP is missing from the ortools build"
    x = scip.IntVar(0, 3, "x")
    scip.Add(2 * x <= 5)
    scip.Maximize(x)
    assert scip.Solve() == pywraplp.Solver.OPTIMAL and round(x.solution_value()) == 2

    loaded = load_dataset(args.dataset)
    assert loaded.dataset is not None, loaded.errors
    network = loaded.dataset.network
    ledger = Ledger.fresh(network)
    filled = 0
    for order in loaded.dataset.orders:
        solution = solve_order(network, order, ledger)
        filled += bool(solution.chosen)
    print(f"routed {len(loaded.dataset.orders)} orders ({filled} with shipments)")

    imported = []
    for name in HANDLER_MODULES:
        module_name = f"functions.handlers.{name}"
        if (args.code / "functions" / "handlers" / f"{name}.py").exists():
            module = importlib.import_module(module_name)
            assert callable(module.handler), f"{module_name}.handler is not callable"
            imported.append(module_name)
    print(f"handlers imported: {', '.join(imported) or 'none yet'}")
    if "functions.handlers.docs" in imported:
        docs = importlib.import_module("functions.handlers.docs").handler
        for path in ("/openapi.json", "/docs", "/docs/swagger-ui-bundle.min.js"):
            reply = docs(api_gateway_get(path), LambdaContext())
            assert reply["statusCode"] == 200, (path, reply["statusCode"], reply["body"][:300])
        print("docs handler served /openapi.json, /docs and its script from the bundle")
    if "functions.handlers.orders" in imported:
        # No table variables here: the settings model must refuse the first call and name what
        # is missing.
        orders = importlib.import_module("functions.handlers.orders").handler
        try:
            orders(api_gateway_get("/v1/orders/smoke"), LambdaContext())
        except Exception as error:
            assert "STOCK_TABLE" in str(error), error
            print(f"orders handler without its environment: {type(error).__name__}")
        else:
            raise AssertionError("the orders handler ran without its tables")
    assert "pandas" not in sys.modules
    print("bundle OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
