"""The text `omniroute check` prints for a `CheckResult`: a verdict, then each broken rule with
its spec section, how often it is broken and every violation of it."""

from __future__ import annotations

import math
from collections import Counter

from solver.checker import RULES, CheckResult


def check_report_text(result: CheckResult) -> str:
    """The result as text for the terminal: `OK: ...`, or the violations grouped by rule."""
    total = _total(result)
    if result.ok:
        return f"OK: the plan keeps every rule ({total}, {len(result.recomputed_orders)} orders)"
    counts = Counter(v.rule for v in result.violations)
    lines = [
        f"{len(result.violations)} violation(s) of {len(counts)} rule(s) ({total}):",
    ]
    for rule in sorted(counts, key=list(RULES).index):
        section, meaning = RULES[rule]
        lines.append(f"{rule} ({section}, {counts[rule]}×): {meaning}")
        lines.extend(f"  - {v.message} ({section})" for v in result.violations if v.rule == rule)
    return "\n".join(lines)


def _total(result: CheckResult) -> str:
    if math.isfinite(result.recomputed_total):
        return f"recomputed total {result.recomputed_total:.2f}"
    unpriced = sum(not math.isfinite(cost) for cost in result.recomputed_orders.values())
    orders = f"{unpriced} order(s)" if unpriced else "some orders"
    return f"no recomputed total: {orders} ship what no carrier rate prices"
