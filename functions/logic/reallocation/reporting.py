"""The report of a reallocation: what it considered, moved, skipped (and why), units
re-sourced, backorders filled, the cost before and after by component, each changed order's
shipments before and after with the reason, and the re-plan's proven bound.

Built from the chunks' plan and commit files (S3) once every chunk is done. Costs are those of
the re-plan (spec §7: §4's parts plus the move penalty): "before" is what the orders considered
cost as they stood (re-priced on the network of the snapshot; as routed when that is no longer
possible, e.g. their node closed), "after" what they cost once the run is done: the new plan
for the orders committed (all of them, in a dry run), the old one for the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

COST_PARTS = ("carrier", "handling", "dropship", "split", "late", "unfilled", "move")


def _costs(plan: Mapping[str, Any] | None, fallback: Mapping[str, Any] | None) -> dict[str, float]:
    source = plan if plan is not None else fallback
    breakdown = (source or {}).get("breakdown") or {}
    return {part: float(breakdown.get(part) or 0.0) for part in COST_PARTS}


def _add(total: dict[str, float], part: Mapping[str, float]) -> None:
    for name in COST_PARTS:
        total[name] = total.get(name, 0.0) + part.get(name, 0.0)


def _rounded(costs: Mapping[str, float]) -> dict[str, float]:
    out = {name: round(costs.get(name, 0.0), 2) for name in COST_PARTS}
    out["total"] = round(sum(costs.get(name, 0.0) for name in COST_PARTS), 2)
    return out


def _shipments(plan: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    return [
        {
            "node_id": s["node_id"],
            "method": s["method"],
            "units": sum(line["qty"] for line in s["lines"]),
            "lines": {line["line_id"]: line["qty"] for line in s["lines"]},
        }
        for s in (plan or {}).get("shipments", [])
    ]


def build_report(
    run: Mapping[str, Any],
    scope: Mapping[str, Any],
    chunks: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
) -> dict[str, Any]:
    """`run`: the reallocation record; `scope`: scope.json; `chunks`: (plan, commit) files."""
    dry_run = bool(run.get("dry_run"))
    before: dict[str, float] = {}
    after: dict[str, float] = {}
    orders: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    counts = {"considered": 0, "replanned": 0, "moved": 0, "changed": 0, "kept": 0}
    units = {"resourced": 0, "backorders_filled": 0, "newly_backordered": 0, "locked": 0}
    bound: float | None = 0.0
    strategies, notes = set(), []
    stopped = next((c["stopped"] for _, c in chunks if c.get("stopped")), None)
    for plan, committed in chunks:
        results = {o["order_id"]: o for o in committed.get("outcomes", [])}
        skipped += [dict(s) for s in plan.get("skipped", [])]
        strategies.add(plan.get("strategy"))
        notes += plan.get("notes", [])
        bound = None if bound is None or plan.get("bound") is None else bound + plan["bound"]
        for entry in plan["orders"]:
            counts["replanned"] += 1
            units["locked"] += int(entry.get("locked_units", 0))
            old = _costs(entry["before"]["plan"], entry["before"].get("routed"))
            new = _costs(entry["after"]["plan"], None)
            _add(before, old)
            outcome = results.get(entry["order_id"], {})
            applied = entry["status"] == "kept" or outcome.get("result") in ("committed", "dry_run")
            _add(after, new if applied and entry["status"] != "kept" else old)
            if entry["status"] == "kept":
                counts["kept"] += 1
                continue
            if outcome.get("result") == "skipped":
                skipped.append({"order_id": entry["order_id"], "reason": outcome.get("reason")})
            elif applied:
                counts[entry["status"]] += 1
                newly = int(entry.get("newly_unfilled_units", 0))
                # A moved unit went to another node (re-sourced) or to the backorders.
                units["resourced"] += max(0, int(entry.get("moved_units", 0)) - newly)
                units["backorders_filled"] += int(entry.get("filled_units", 0))
                units["newly_backordered"] += newly
            orders.append(
                {
                    "order_id": entry["order_id"],
                    "status": entry["status"],
                    "result": outcome.get("result", "not_committed"),
                    "skipped_because": outcome.get("reason"),
                    "reason": entry.get("reason"),
                    "moved_units": entry.get("moved_units", 0),
                    "filled_units": entry.get("filled_units", 0),
                    "unfilled_units": entry.get("unfilled_units", 0),
                    "cost_before": _rounded(old)["total"],
                    "cost_after": _rounded(new)["total"],
                    "shipments_before": _shipments(
                        entry["before"]["plan"] or entry["before"].get("routed")
                    ),
                    "shipments_after": _shipments(entry["after"]["plan"]),
                }
            )
    counts["considered"] = len(scope.get("order_ids", []))
    totals_after = _rounded(after)
    return {
        "reallocation_id": run["reallocation_id"],
        "trigger": run.get("trigger"),
        "dry_run": dry_run,
        "strategy": ", ".join(sorted(s for s in strategies if s)) or None,
        "orders_considered": counts["considered"],
        "orders_replanned": counts["replanned"],
        "orders_moved": counts["moved"],
        "orders_changed": counts["changed"],
        "orders_kept": counts["kept"],
        "orders_skipped": len(skipped),
        "skipped": skipped,
        "units_resourced": units["resourced"],
        "backordered_units_filled": units["backorders_filled"],
        "units_newly_backordered": units["newly_backordered"],
        "locked_units": units["locked"],
        "cost_before": _rounded(before),
        "cost_after": totals_after,
        "bound": None if bound is None else round(bound, 2),
        "gap": None
        if not bound
        else round((totals_after["total"] - bound) / max(abs(bound), 1e-9), 6),
        "chunks": len(chunks),
        "stopped": stopped,
        "notes": notes,
        "orders": orders,
    }


SUMMARY_FIELDS = (
    "orders_considered",
    "orders_replanned",
    "orders_moved",
    "orders_changed",
    "orders_kept",
    "orders_skipped",
    "units_resourced",
    "backordered_units_filled",
    "units_newly_backordered",
    "locked_units",
    "cost_before",
    "cost_after",
    "bound",
    "gap",
    "chunks",
    "stopped",
)


def summary(report: Mapping[str, Any]) -> dict[str, Any]:
    """The report's figures without the per-order lists (kept on the record)."""
    return {name: report[name] for name in SUMMARY_FIELDS}
