"""Check: the API's answers to one fixed sequence of 99 requests, to diff across a refactoring.

Usage: python bench/api_answers.py OUT.json   (an older checkout: PYTHONPATH=OLD python ...)

Starts a local stack on the demo dataset (embedded DynamoDB, 2 handler workers) and sends every
route good and bad requests: docs, promise, 25 + 15 orders (a retry, a reused id and key, bad
SKUs, bad JSON, a missing pickup store), reads, rejects, cancels, inventory levels and
adjustments (duplicates, unknown nodes, below zero, more than 100 SKUs), nodes and config
documents (invalid ones too), a what-if job (run to the end) and its report, and a body over
the size limit. Writes each answer's status, content type and body, with what differs between
runs of the same code replaced: 32-hex ids, timestamps, every number under a key naming
seconds, the report's length. Two runs, one per checkout, then `diff OLD.json NEW.json`.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from pathlib import Path

import functions
from omniroute.local.stack import DEFAULT_DATASET, start_local_stack

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/, after any PYTHONPATH
from tests.integration.api_client import ApiClient

HEX = re.compile(r"[0-9a-f]{32}")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?")


def timings_out(value, key=""):
    """Numbers under a key naming seconds (solve and run times) vary between runs."""
    if isinstance(value, dict):
        return {k: timings_out(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [timings_out(v, key) for v in value]
    if "second" in key and isinstance(value, int | float):
        return "<seconds>"
    return value


def scrub(value):
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, str):
        return STAMP.sub("<time>", HEX.sub("<hex>", value))
    return value


def main() -> None:
    print("functions from", functions.__file__, file=sys.stderr)
    orders = [
        json.loads(line)
        for line in Path(DEFAULT_DATASET, "orders.jsonl").read_text().splitlines()
        if line.strip()
    ]
    settings = json.loads(Path(DEFAULT_DATASET, "settings.json").read_text())
    stack = start_local_stack(dataset=DEFAULT_DATASET, workers=2)
    api = ApiClient(stack.url)
    out = []

    def call(method, path, body=None, headers=None, raw=None):
        reply = api.call(method, path, body, headers=headers, raw=raw)
        content = reply.body if reply.body is not None else reply.raw.decode("utf-8", "replace")
        if isinstance(content, str) and len(content) > 2000:
            content = {"len": len(content), "head": content[:300]}
        if isinstance(content, dict) and "comparison" in content:  # scenario -> metric -> value
            for metrics in content["comparison"].values():
                for metric in [m for m in metrics if "second" in m]:
                    metrics[metric] = "<seconds>"
        if isinstance(content, dict) and "len" in content:
            content["len"] = "<length>"
        out.append(
            {
                "request": [method, HEX.sub("<hex>", path)],
                "status": reply.status,
                "content_type": reply.headers.get("Content-Type"),
                "body": timings_out(scrub(content)),
            }
        )
        return reply

    try:
        call("GET", "/openapi.json")
        call("GET", "/docs")
        call("GET", "/docs/swagger-ui.min.css")
        call("GET", "/docs/nope.js")
        call("GET", "/v1/nothing")
        first = orders[0]
        call("POST", "/v1/promise", {"customer": first["customer"], "lines": first["lines"]})
        call("POST", "/v1/promise", {"customer": first["customer"], "lines": []})
        for order in orders[:25]:
            call("POST", "/v1/orders", order)
        call("POST", "/v1/orders", orders[0])  # retry: same answer
        changed = copy.deepcopy(orders[0])
        changed["lines"][0]["qty"] += 1
        call("POST", "/v1/orders", changed)  # same id, other body
        call("POST", "/v1/orders", changed, headers={"Idempotency-Key": "k-1"})
        call(
            "POST",
            "/v1/orders",
            {**orders[30], "order_id": "x-1"},
            headers={"Idempotency-Key": "k-1"},
        )
        bad = copy.deepcopy(orders[1])
        bad["order_id"] = "bad"
        bad["lines"][0]["sku"] = "NO-SUCH"
        call("POST", "/v1/orders", bad)
        bad["lines"][0]["qty"] = "two"
        call("POST", "/v1/orders", bad)
        call("POST", "/v1/orders", raw=b"{not json")
        call(
            "POST",
            "/v1/orders",
            {**orders[2], "service": "pickup", "pickup_node": None, "order_id": "p"},
        )
        call("GET", f"/v1/orders/{orders[3]['order_id']}")
        call("GET", "/v1/orders/nope")
        plan = call("GET", f"/v1/orders/{orders[4]['order_id']}").body
        shipment = plan["shipments"][0]
        line = shipment["lines"][0]["line_id"]
        call(
            "POST",
            f"/v1/orders/{orders[4]['order_id']}/reject",
            {"node_id": shipment["node_id"], "lines": [{"line_id": line}], "reason": "lost"},
        )
        call(
            "POST",
            f"/v1/orders/{orders[4]['order_id']}/reject",
            {"node_id": shipment["node_id"], "lines": [{"line_id": "zzz"}]},
        )
        call(
            "POST",
            f"/v1/orders/{orders[4]['order_id']}/reject",
            {"node_id": "NOPE", "lines": [{"line_id": line}]},
        )
        call("POST", f"/v1/orders/{orders[5]['order_id']}/cancel")
        call("POST", f"/v1/orders/{orders[5]['order_id']}/cancel")
        call(
            "POST",
            f"/v1/orders/{orders[5]['order_id']}/reject",
            {"node_id": "W1", "lines": [{"line_id": "1"}]},
        )
        call("POST", "/v1/orders/nope/cancel")
        sku = orders[6]["lines"][0]["sku"]
        call("GET", f"/v1/inventory/{sku}")
        call("GET", "/v1/inventory/NOPE")
        call("PUT", "/v1/inventory", {"rows": [{"node_id": "W1", "sku": sku, "on_hand": 50}]})
        call(
            "PUT",
            "/v1/inventory",
            {
                "rows": [
                    {"node_id": "W1", "sku": sku, "on_hand": 5},
                    {"node_id": "W1", "sku": sku, "on_hand": 6},
                    {"node_id": "ZZ", "sku": "Q", "on_hand": 1},
                ]
            },
        )
        call(
            "PUT",
            "/v1/inventory",
            {"rows": [{"node_id": "S1", "sku": "SKU-00001", "on_hand": 3, "safety_stock": 1}]},
        )
        call("GET", f"/v1/inventory/{sku}")
        call(
            "POST",
            "/v1/inventory/adjustments",
            {"adjustment_id": "a-1", "rows": [{"node_id": "W1", "sku": sku, "delta": 2}]},
        )
        call(
            "POST",
            "/v1/inventory/adjustments",
            {"adjustment_id": "a-1", "rows": [{"node_id": "W1", "sku": sku, "delta": 2}]},
        )
        call(
            "POST",
            "/v1/inventory/adjustments",
            {"adjustment_id": "a-2", "rows": [{"node_id": "W1", "sku": sku, "delta": -100000}]},
        )
        call(
            "POST",
            "/v1/inventory/adjustments",
            {
                "adjustment_id": "a-3",
                "rows": [
                    {"node_id": "W1", "sku": sku, "delta": 0},
                    {"node_id": "Q", "sku": "R", "delta": 1},
                ],
            },
        )
        call(
            "POST",
            "/v1/inventory/adjustments",
            {
                "adjustment_id": "a-4",
                "rows": [
                    {"node_id": "W1", "sku": f"SKU-{i:05d}", "delta": 1} for i in range(1, 103)
                ],
            },
        )
        call("GET", f"/v1/inventory/{sku}")
        call("GET", "/v1/nodes/W1")
        call("GET", "/v1/nodes/NOPE")
        call("PUT", "/v1/nodes/W1", {"max_orders_per_day": 500})
        call("PUT", "/v1/nodes/W1", {"max_orders_per_day": -1})
        call("PUT", "/v1/nodes/NOPE", {"active": False})
        call("PUT", "/v1/nodes/S1", {"active": False})
        call("GET", "/v1/nodes/S1")
        call("PUT", "/v1/config/settings", settings)
        call("PUT", "/v1/config/settings", {**settings, "nonsense": 1})
        call(
            "PUT",
            "/v1/config/rates",
            {"rows": [{"service": "ground", "zone": "Z1", "max_kg": 5000, "cost": 1}]},
        )
        call("PUT", "/v1/config/rates", {"rows": "no"})
        call("PUT", "/v1/config/zones", {"rows": [{"zone": "Z1", "max_km": "far"}]})
        call("PUT", "/v1/config/widgets", {"rows": []})
        for order in orders[40:55]:
            call("POST", "/v1/orders", order)
        call(
            "POST",
            "/v1/promise",
            {"customer": orders[41]["customer"], "lines": orders[41]["lines"]},
        )
        call("POST", "/v1/scenarios", {"base": {"dataset": "nope"}})
        call(
            "POST",
            "/v1/scenarios",
            {"base": {"dataset": "demo"}, "scenarios": {"x": {"changes": [{"kind": "bogus"}]}}},
        )
        job = call(
            "POST",
            "/v1/scenarios",
            {
                "base": {"dataset": "demo"},
                "defaults": {"strategy": "nearest"},
                "scenarios": {"myopic": {"strategy": "myopic"}},
            },
        ).body
        job_id = job["job_id"]
        for _ in range(300):
            reply = api.get(f"/v1/scenarios/{job_id}")
            if reply.body["status"] in ("succeeded", "failed"):
                break
            time.sleep(1)
        call("GET", f"/v1/scenarios/{job_id}")
        call("GET", f"/v1/scenarios/{job_id}/report")
        call("GET", "/v1/scenarios/nope")
        call("GET", "/v1/scenarios/nope/report")
        call("POST", "/v1/orders", raw=b"x" * 1_100_000)
    finally:
        api.close()
        stack.stop()
    Path(sys.argv[1]).write_text(json.dumps(out, indent=1, sort_keys=True))
    print(f"{len(out)} requests", file=sys.stderr)


if __name__ == "__main__":
    main()
