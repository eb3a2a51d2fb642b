"""`omniroute reallocate`: start a reallocation on a running local stack (`omniroute serve`)
through its API, wait for it and print its report.

The run is the stack's own: POST /v1/reallocations starts the reallocation state machine
(infra/reallocation-state-machine.asl.json) in the stack's Step Functions, whose tasks are the
deployed handlers; this module is an HTTP client of it and a printer of the report. Without
`--dry-run`, a node going offline is first closed through the API (PUT /v1/nodes/{id}), as an
operator would: the event that starts the run is the same one the POST names, so they are one
run.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

DEFAULT_URL = "http://127.0.0.1:8000"
COST_PARTS = ("carrier", "handling", "dropship", "split", "late", "unfilled", "move", "total")


class ApiUnreachable(RuntimeError):
    pass


@dataclass
class ApiRefused(RuntimeError):
    status: int
    body: Any

    def __str__(self) -> str:
        if isinstance(self.body, dict):
            lines = [f"{self.status} {self.body.get('code')}: {self.body.get('message')}"]
            lines += [f"  {e.get('path')}: {e.get('message')}" for e in self.body.get("errors", [])]
            return "\n".join(lines)
        return f"{self.status}: {self.body}"


def call(url: str, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url.rstrip("/") + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        payload = error.read()
        try:
            parsed = json.loads(payload)
        except ValueError:
            parsed = payload.decode(errors="replace")
        raise ApiRefused(error.code, parsed) from None
    except (urllib.error.URLError, OSError) as error:
        raise ApiUnreachable(
            f"no Omniroute API at {url} ({error}); start one with `omniroute serve`"
        ) from None


def request_body(
    kind: str,
    nodes: Sequence[str],
    skus: Sequence[str],
    orders: Sequence[str],
    window_minutes: int | None,
    routed_after: str | None,
    routed_before: str | None,
    everything: bool,
    dry_run: bool,
    chunk_orders: int | None,
) -> dict[str, Any]:
    """The POST /v1/reallocations body for a trigger kind and the options given."""
    body: dict[str, Any] = {"dry_run": dry_run}
    if chunk_orders is not None:
        body["chunk_orders"] = chunk_orders

    def one(name: str, values: Sequence[str]) -> str:
        if len(values) != 1:
            raise ValueError(f"--trigger {kind} needs exactly one --{name}")
        return values[0]

    if kind in ("node-offline", "node-capacity"):
        body["trigger"] = {"kind": kind, "node_id": one("node", nodes)}
    elif kind == "stock-short":
        if not skus or len(nodes) not in (1, len(skus)):
            raise ValueError("--trigger stock-short needs --sku and one --node (or one per --sku)")
        pairs = zip(list(nodes) * len(skus) if len(nodes) == 1 else nodes, skus, strict=True)
        body["trigger"] = {"kind": kind, "pairs": [{"node_id": n, "sku": s} for n, s in pairs]}
    elif kind == "rejected":
        if not skus:
            raise ValueError("--trigger rejected needs --node and at least one --sku")
        body["trigger"] = {"kind": kind, "node_id": one("node", nodes), "skus": list(skus)}
    elif kind == "stock-arrived":
        if not skus:
            raise ValueError("--trigger stock-arrived needs at least one --sku")
        body["trigger"] = {"kind": kind, "skus": list(skus)}
    elif kind == "scheduled":
        trigger: dict[str, Any] = {"kind": kind}
        if window_minutes is not None:
            trigger["window_minutes"] = window_minutes
        body["trigger"] = trigger
    elif kind == "manual":
        scope: dict[str, Any] = {
            "nodes": list(nodes),
            "skus": list(skus),
            "order_ids": list(orders),
            "all": everything,
        }
        if routed_after:
            scope["routed_after"] = routed_after
        if routed_before:
            scope["routed_before"] = routed_before
        body["scope"] = scope
    else:
        raise ValueError(f"unknown trigger {kind!r}")
    return body


def wait(url: str, reallocation_id: str, timeout: float, poll: float = 0.5) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        answer: dict[str, Any] = call(url, "GET", f"/v1/reallocations/{reallocation_id}?limit=5000")
        if answer["status"] != "running" or time.monotonic() > deadline:
            return answer
        time.sleep(poll)


def print_report(console: Console, report: dict[str, Any], orders_shown: int) -> None:
    trigger = report.get("trigger") or {}
    mode = " (dry run: nothing changed)" if report.get("dry_run") else ""
    console.print(
        f"[bold]reallocation {report['reallocation_id']}[/]: {report['status']}{mode}; "
        f"trigger {json.dumps(trigger)}",
        highlight=False,
    )
    if report["status"] == "failed":
        console.print(f"[red]failed:[/] {report.get('error')}", highlight=False)
        return
    if report["status"] != "succeeded":
        console.print(f"progress: {report.get('progress')}")
        return
    if report.get("stopped"):
        console.print(f"[yellow]stopped:[/] {report['stopped']}", highlight=False)
    console.print(
        f"orders: {report['orders_considered']} considered, {report['orders_moved']} moved, "
        f"{report['orders_changed']} changed, {report['orders_kept']} kept, "
        f"{report['orders_skipped']} skipped  (strategy {report.get('strategy')})"
    )
    console.print(
        f"units: {report['units_resourced']} re-sourced, {report['units_newly_backordered']} "
        f"backordered, {report['backordered_units_filled']} backorders filled, "
        f"{report['locked_units']} locked (never moved)"
    )
    costs = Table(title="cost (spec §4 + move penalty)", title_justify="left")
    for column in ("", "before", "after", "change"):
        costs.add_column(column, justify="right" if column else "left")
    for part in COST_PARTS:
        old, new = report["cost_before"][part], report["cost_after"][part]
        costs.add_row(part, f"{old:,.2f}", f"{new:,.2f}", f"{new - old:+,.2f}")
    console.print(costs)
    if report.get("bound") is not None:
        gap = report.get("gap")
        console.print(
            f"proven bound of the re-plan: {report['bound']:,.2f}"
            + (f" (gap {gap:.3%})" if gap is not None else "")
        )
    changed = [o for o in report.get("orders", []) if o["result"] != "skipped"]
    if changed:
        table = Table(title=f"orders changed (first {orders_shown})", title_justify="left")
        for column in ("order", "status", "why", "before", "after", "cost before", "after"):
            table.add_column(column)
        for o in changed[:orders_shown]:
            reason = o.get("reason") or {}
            table.add_row(
                o["order_id"],
                o["status"],
                reason.get("message") or reason.get("code") or "",
                _ships(o["shipments_before"]),
                _ships(o["shipments_after"]) or "backordered",
                f"{o['cost_before']:.2f}",
                f"{o['cost_after']:.2f}",
            )
        console.print(table)
    for skipped in report.get("skipped", []):
        console.print(f"skipped {skipped['order_id']}: {skipped['reason']}", highlight=False)


def _ships(shipments: Sequence[dict[str, Any]]) -> str:
    return ", ".join(f"{s['node_id']}x{s['units']}" for s in shipments)
