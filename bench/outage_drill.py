"""Benchmark: the outage drill, end to end on the local stack.

Usage: python bench/outage_drill.py [--orders 5000] [--stores 100] [--skus 2000] [--seed 11]
       [--loose] [--clients 2] [--workers 2] [--picked 0.05] [--solve-work 40]
       [--solve-seconds 60] [--out F.json]

1. Generates a dataset (`omniroute dataset generate --tight`: ORDERS orders, STORES stores; the
   defaults are bench/replan.py's, so the solver-only figures compare), starts the
   local stack on it (moto's DynamoDB, S3, Step Functions and EventBridge in this process, the
   handlers in worker processes) and routes every order one by one through POST /v1/orders
   from CLIENTS concurrent clients.
2. Takes the warehouse holding the most reserved units (it must hold >= 20 % of all reserved
   units) and has it report PICKED a share (--picked) of the shipments it holds (those units are
   locked: they must not move).
3. Closes it through the API (PUT /v1/nodes/{id} {"active": false}) and times from that call
   until the reallocation the event started has succeeded: the event on the bus, the rule, the
   launcher, the state machine's find, snapshot, replan (optimal, spec §7, on a work budget of
   --solve-work units, REALLOCATION_SOLVE_WORK, capped at --solve-seconds), commit, publish and
   report, all on the local stack.
4. Checks, from DynamoDB itself: every unit the warehouse held that was not locked is now
   re-sourced or backordered and each moved order has its reason; the re-plan's cost against
   its proven bound; locked units still where they were; no stock level or capacity counter
   over-reserved (reserved equals what the open orders hold, available >= 0 unless it was
   already below 0, capacity use <= limit).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from machine import run_header

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/, after any PYTHONPATH


def route_all(url: str, orders: list[dict[str, Any]], clients: int) -> tuple[float, int]:
    from tests.integration.api_client import ApiClient

    work: queue.Queue[dict[str, Any]] = queue.Queue()
    for order in orders:
        work.put(order)
    failures: list[Any] = []

    def client() -> None:
        api = ApiClient(url)
        while True:
            try:
                order = work.get_nowait()
            except queue.Empty:
                break
            reply = api.post("/v1/orders", order)
            if reply.status != 201:
                failures.append((order["order_id"], reply.status, reply.body))
        api.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"{len(failures)} orders failed, e.g. {failures[:3]}")
    return time.monotonic() - started, len(orders)


def reserved_by_node(db: Any) -> dict[str, int]:
    from functions.dal.client import scan_all

    out: dict[str, int] = {}
    for item in scan_all(db.client, db.table("stock")):
        for node_id, level in item.get("levels", {}).items():
            out[node_id] = out.get(node_id, 0) + int(level["reserved"])
    return out


def open_records(db: Any) -> dict[str, dict[str, Any]]:
    from functions.dal.client import scan_all

    return {r["order_id"]: r for r in scan_all(db.client, db.table("orders"))}


def held_at(record: dict[str, Any], node: str) -> dict[str, int]:
    for row in json.loads(record["chosen"]):
        if row["node_id"] == node:
            return {k: int(v) for k, v in row["units"].items()}
    return {}


def stage_seconds(run_id: str) -> dict[str, float]:
    """Seconds spent in each state of the run's execution (summed over chunks and retries),
    from its Step Functions history."""
    from tests.integration.reallocations import execution_history

    events = execution_history(run_id)
    out: dict[str, float] = {}
    entered: dict[str, Any] = {}
    for event in events:
        if "stateEnteredEventDetails" in event:
            entered[event["stateEnteredEventDetails"]["name"]] = event["timestamp"]
        elif "stateExitedEventDetails" in event:
            name = event["stateExitedEventDetails"]["name"]
            if name in entered:
                spent = (event["timestamp"] - entered.pop(name)).total_seconds()
                out[name] = round(out.get(name, 0.0) + spent, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--loose", action="store_true", help="a loose dataset (default: tight, as bench/replan.py)"
    )
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--picked", type=float, default=0.05)
    parser.add_argument("--solve-work", type=float, default=40.0)
    parser.add_argument("--solve-seconds", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--keep", type=Path, default=None, help="copy the run's S3 files (snapshots, plans) here"
    )
    args = parser.parse_args()
    print(run_header(), flush=True)
    os.environ["REALLOCATION_SOLVE_SECONDS"] = str(args.solve_seconds)
    os.environ["REALLOCATION_SOLVE_WORK"] = str(args.solve_work)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

    from functions.dal.database import current_database
    from omniroute.local.stack import start_local_stack
    from solver.generate import generate_dataset
    from tests.integration.api_client import ApiClient
    from tests.integration.reallocations import (
        check_invariants,
        reserved_matches_orders,
        wait_for_run,
    )

    folder = Path(tempfile.mkdtemp(prefix="omniroute-drill-"))
    generate_dataset(
        folder,
        orders=args.orders,
        stores=args.stores,
        skus=args.skus,
        seed=args.seed,
        tight=not args.loose,
    )
    orders = [json.loads(line) for line in (folder / "orders.jsonl").read_text().splitlines()]
    stack = start_local_stack(dataset=folder, workers=args.workers)
    figures: dict[str, Any] = {
        "orders": len(orders),
        "stores": args.stores,
        "solve_work": args.solve_work,
        "solve_seconds": args.solve_seconds,
    }
    try:
        api = ApiClient(stack.url)
        db = current_database()
        seconds, routed = route_all(stack.url, orders, args.clients)
        figures["routing_seconds"] = round(seconds, 1)
        print(f"routed {routed} orders one by one in {seconds:.1f} s", flush=True)

        reserved = reserved_by_node(db)
        total = sum(reserved.values())
        warehouses = [n for n in reserved if n.startswith("W")]
        target = max(warehouses, key=lambda n: reserved[n])
        share = reserved[target] / total
        figures.update(warehouse=target, warehouse_share=round(share, 3), reserved_units=total)
        print(f"{target} holds {reserved[target]} of {total} reserved units ({share:.1%})")
        assert share >= 0.20, "the drill needs a warehouse with >= 20 % of the reserved units"

        before = open_records(db)
        at_target = sorted(o for o, r in before.items() if held_at(r, target))
        picked = at_target[:: max(1, round(1 / args.picked))] if args.picked > 0 else []
        for order_id in picked:
            reply = api.post(
                f"/v1/orders/{order_id}/shipments/{target}/events",
                {"event_id": f"pick-{order_id}", "type": "picked"},
            )
            assert reply.status == 200, reply.body
        locked = {o: held_at(before[o], target) for o in picked}
        before = open_records(db)
        held_units = sum(sum(held_at(r, target).values()) for r in before.values())
        figures.update(
            orders_at_warehouse=len(at_target),
            units_at_warehouse=held_units,
            locked_orders=len(picked),
            locked_units=sum(sum(u.values()) for u in locked.values()),
        )

        started = time.monotonic()
        assert api.put(f"/v1/nodes/{target}", {"active": False}).status == 200
        run = wait_for_run(api, db, f"node-offline-{target}-", timeout=600)
        elapsed = time.monotonic() - started
        figures["end_to_end_seconds"] = round(elapsed, 1)
        print(
            f"closing {target} -> reallocation {run['reallocation_id']} {run['status']} "
            f"in {elapsed:.1f} s",
            flush=True,
        )
        assert run["status"] == "succeeded", run
        figures["stage_seconds"] = stage_seconds(run["reallocation_id"])
        if args.keep is not None:
            from functions.dal.reallocation.storage import PREFIX, reallocation_bucket
            from functions.dal.scenarios.storage import download_prefix

            prefix = f"{PREFIX}{run['reallocation_id']}/"
            download_prefix(reallocation_bucket(), prefix, str(args.keep))

        after = open_records(db)
        still = {
            o: held_at(r, target)
            for o, r in after.items()
            if held_at(r, target) and o not in locked
        }
        moved_locked = sum(1 for o, units in locked.items() if held_at(after[o], target) != units)
        listed = {o["order_id"]: o for o in run["orders"]}
        unexplained = [
            o for o in at_target if o not in locked and (o not in listed or not listed[o]["reason"])
        ]
        problems = check_invariants(db)
        figures.update(
            orders_considered=run["orders_considered"],
            orders_moved=run["orders_moved"],
            orders_skipped=run["orders_skipped"],
            units_resourced=run["units_resourced"],
            units_newly_backordered=run["units_newly_backordered"],
            unlocked_units_left_at_warehouse=sum(sum(u.values()) for u in still.values()),
            orders_without_reason=len(unexplained),
            locked_orders_changed=moved_locked,
            cost_before=run["cost_before"]["total"],
            cost_after=run["cost_after"]["total"],
            bound=run["bound"],
            gap=run["gap"],
            over_reserved=len(problems),
            reserved_matches_orders=reserved_matches_orders(db),
            solver_notes=run.get("notes"),
        )
    finally:
        stack.stop()
    print(json.dumps(figures, indent=1))
    if args.out is not None:
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
