"""The monthly cost of a deployment, from bench/cost_inputs.py's measurements and AWS's public
list prices (us-east-1), with every product shown:

    python bench/cost_inputs.py --orders 100 --out cost-inputs.json
    python bench/cost_estimate.py cost-inputs.json

Prints the estimate docs/deploy.md shows, for 10,000 and 1,000,000 orders a day (30-day month)
and for a week of what-if jobs. The workload per order is an assumption stated in WORKLOAD (a
checkout asks for a promise once, creates the order, reads it once; one order in ten is
cancelled); the what-if week is WHATIF_WEEK. Free tiers are left out (they end or are shared).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# us-east-1 list prices (aws.amazon.com/<service>/pricing), x86 Lambda, REST API, Standard
# workflows, DynamoDB on demand (after the November 2024 reduction), S3 Standard.
PRICE = {
    "lambda_gb_s": 0.0000166667,
    "lambda_request": 0.20 / 1e6,
    "apigw_request": 3.50 / 1e6,  # REST API, first 333 million a month
    "data_out_gb": 0.09,
    "ddb_rru": 0.125 / 1e6,
    "ddb_wru": 0.625 / 1e6,
    "ddb_gb_month": 0.25,
    "ddb_pitr_gb_month": 0.20,
    "sfn_transition": 0.025 / 1000,
    "s3_put": 0.005 / 1000,  # PUT, COPY, POST, LIST
    "s3_get": 0.0004 / 1000,  # GET, HEAD
    "s3_gb_month": 0.023,
    "logs_ingest_gb": 0.50,
    "logs_store_gb_month": 0.03,
    "alarm_metric_month": 0.10,
    "dashboard_month": 3.00,
    "custom_metric_month": 0.30,
    "xray_trace": 5.00 / 1e6,
}
WORKLOAD = {
    "POST /v1/promise": 1,
    "POST /v1/orders": 1,
    "GET /v1/orders/{id}": 1,
    "POST /v1/orders/{id}/cancel": 0.1,
}
"""Requests per order (an assumption; change it to your checkout's)."""
LAMBDA_PLATFORM_LOG_BYTES = 330
"""START, END and REPORT lines Lambda writes per invocation (about 330 bytes; an assumption
from the lines' documented format, not measured here)."""
ALARM_METRICS = 2 * 2 + 1 + 1 + 6 * 2 + 7 * 2 + 3
"""Metrics the template's alarms read: two 5xx-share alarms of 2 metrics, p99 latency,
conflicts, errors and throttles of 6 functions, 7 tables x (read + write throttles), the
state machine's failed + timed out + aborted."""
CUSTOM_METRICS = 20 * 5 + 5
"""API Gateway's per-method metrics (MetricsEnabled: 20 methods x Count, 4XXError, 5XXError,
Latency, IntegrationLatency, billed as custom metrics) and the service's own (SolveTime,
PlanCost, ShipmentsPerOrder, ReservationConflicts, ColdStart)."""
XRAY_RESERVOIR_PER_DAY = 86_400
"""X-Ray's default sampling: the first request each second, then 5 % of the rest."""
WHATIF_WEEK = {
    "jobs": 20,
    "scenarios": 5,
    "days": 7,
    "orders_per_day": 10_000,
    "seconds_per_day_plan": 300,
    "worker_mb": 3008,
}
"""A planner's week: 20 jobs of a base and 4 scenarios over 7 days of 10,000 orders, planned
with `optimal`, whose 10k-order day takes its 300 s budget (BENCHMARKS.md, tight-10000:
296 s on one core of this machine; the worker's 3008 MB is 1.7 vCPU, so this is an upper
bound)."""
DAYS = 30


def money(x: float) -> str:
    return f"${x:,.2f}"


def checkout(inputs: dict, orders_per_day: int) -> list[tuple[str, str, float]]:
    rows = inputs["checkout"]["requests"]
    orders = orders_per_day * DAYS
    mean = {
        label: {k: v["mean"] for k, v in rows[label].items() if isinstance(v, dict)}
        for label in WORKLOAD
    }
    requests = sum(WORKLOAD.values())
    gb_s = sum(n * mean[label]["lambda_ms_1024"] / 1000 for label, n in WORKLOAD.items())  # 1024 MB
    rru = sum(n * mean[label]["rru"] for label, n in WORKLOAD.items())
    wru = sum(n * mean[label]["wru"] for label, n in WORKLOAD.items())
    out_bytes = sum(n * mean[label]["response_bytes"] for label, n in WORKLOAD.items())
    log_bytes = sum(
        n * (mean[label]["log_bytes"] + mean[label]["access_log_bytes"] + LAMBDA_PLATFORM_LOG_BYTES)
        for label, n in WORKLOAD.items()
    )
    item_kb = inputs["checkout"]["item_bytes"]["orders"]["mean"] / 1000
    per_day = orders_per_day * requests
    traced = min(per_day, XRAY_RESERVOIR_PER_DAY) + 0.05 * max(0, per_day - XRAY_RESERVOIR_PER_DAY)
    n = f"{orders:,} orders"
    return [
        (
            "API Gateway requests",
            f"{n} x {requests:g} requests x $3.50/M",
            orders * requests * PRICE["apigw_request"],
        ),
        (
            "API Gateway data out",
            f"{n} x {out_bytes:,.0f} B x $0.09/GB",
            orders * out_bytes / 1e9 * PRICE["data_out_gb"],
        ),
        (
            "Lambda requests",
            f"{n} x {requests:g} x $0.20/M",
            orders * requests * PRICE["lambda_request"],
        ),
        (
            "Lambda duration",
            f"{n} x {gb_s:.4f} GB-s x $0.0000166667",
            orders * gb_s * PRICE["lambda_gb_s"],
        ),
        ("DynamoDB reads", f"{n} x {rru:.1f} RRU x $0.125/M", orders * rru * PRICE["ddb_rru"]),
        ("DynamoDB writes", f"{n} x {wru:.2f} WRU x $0.625/M", orders * wru * PRICE["ddb_wru"]),
        (
            "DynamoDB storage + PITR, per month of orders kept",
            f"{n} x {item_kb:.2f} KB x ($0.25 + $0.20)/GB-month",
            orders * item_kb / 1e6 * (PRICE["ddb_gb_month"] + PRICE["ddb_pitr_gb_month"]),
        ),
        (
            "CloudWatch Logs ingestion",
            f"{n} x {log_bytes:,.0f} B x $0.50/GB",
            orders * log_bytes / 1e9 * PRICE["logs_ingest_gb"],
        ),
        (
            "CloudWatch Logs storage, per month kept",
            f"{n} x {log_bytes:,.0f} B x $0.03/GB-month",
            orders * log_bytes / 1e9 * PRICE["logs_store_gb_month"],
        ),
        (
            "X-Ray traces",
            f"{traced * DAYS:,.0f} sampled x $5/M",
            traced * DAYS * PRICE["xray_trace"],
        ),
    ]


def fixed() -> list[tuple[str, str, float]]:
    return [
        (
            "CloudWatch alarms",
            f"{ALARM_METRICS} alarm metrics x $0.10",
            ALARM_METRICS * PRICE["alarm_metric_month"],
        ),
        (
            "CloudWatch metrics",
            f"{CUSTOM_METRICS} custom metrics x $0.30",
            CUSTOM_METRICS * PRICE["custom_metric_month"],
        ),
        ("CloudWatch dashboard", "1 x $3", PRICE["dashboard_month"]),
    ]


def whatif_week(inputs: dict) -> list[tuple[str, str, float]]:
    w, job = WHATIF_WEEK, inputs["whatif_job"]
    scenario_days = w["jobs"] * w["scenarios"] * w["days"]
    gb = w["worker_mb"] / 1024
    cpu_share = w["worker_mb"] / inputs["how"]["lambda_mb_per_vcpu"]
    others_s = sum(
        job["cpu_ms_by_action"][a]["mean"] / 1000 / cpu_share for a in ("prepare", "aggregate")
    )
    measured_days = job["scenarios"] * job["days"]
    puts = job["s3_requests"].get("PutObject", 0) + job["s3_requests"].get("ListObjectsV2", 0)
    gets = job["s3_requests"].get("GetObject", 0) + job["s3_requests"].get("HeadObject", 0)
    demo_orders = 200 / job["days"]  # orders per day in the measured job
    bytes_per_scenario_order = job["job_bytes"] / (job["scenarios"] * demo_orders * job["days"])
    kept_gb = scenario_days * w["orders_per_day"] * bytes_per_scenario_order / 1e9 * (90 / 7)
    transitions = w["jobs"] * (4 + w["scenarios"] * (2 * w["days"] + 1))
    return [
        (
            "Lambda duration (plan_day)",
            f"{scenario_days} day plans x {w['seconds_per_day_plan']} s x {gb:.3f} GB x $0.0000166667",
            scenario_days * w["seconds_per_day_plan"] * gb * PRICE["lambda_gb_s"],
        ),
        (
            "Lambda duration (prepare, aggregate)",
            f"{w['jobs']} jobs x {others_s:.2f} s x {gb:.3f} GB (demo, measured)",
            w["jobs"] * others_s * gb * PRICE["lambda_gb_s"],
        ),
        (
            "Lambda requests",
            f"{w['jobs']} x ({w['scenarios'] * w['days']} + 2) x $0.20/M",
            w["jobs"] * (w["scenarios"] * w["days"] + 2) * PRICE["lambda_request"],
        ),
        (
            "Step Functions",
            f"{transitions:,} transitions x $0.025/1000",
            transitions * PRICE["sfn_transition"],
        ),
        (
            "S3 requests",
            f"{scenario_days} scenario-days x ({puts / measured_days:.1f} PUT/LIST x $0.005/1000 + {gets / measured_days:.1f} GET/HEAD x $0.0004/1000)",
            scenario_days * (puts * PRICE["s3_put"] + gets * PRICE["s3_get"]) / measured_days,
        ),
        (
            "S3 storage (90 days of job files: 13 weeks like this one)",
            f"{scenario_days * w['orders_per_day']:,} scenario-orders x {bytes_per_scenario_order:,.0f} B x 90/7 x $0.023/GB-month, per month",
            kept_gb * PRICE["s3_gb_month"],
        ),
    ]


def table(title: str, rows: list[tuple[str, str, float]], unit: str = "per month") -> float:
    print(f"\n{title}\n\n| item | arithmetic | {unit} |\n|---|---|---:|")
    for item, how, cost in rows:
        print(f"| {item} | {how} | {money(cost)} |")
    total = sum(cost for _, _, cost in rows)
    print(f"| **total** | | **{money(total)}** |")
    return total


def main() -> int:
    inputs = json.loads(Path(sys.argv[1] if len(sys.argv) > 1 else "cost-inputs.json").read_text())
    print(
        f"inputs: {inputs['how']['command']} (load average {inputs['how']['load_average'][0]:.1f})"
    )
    for orders in (10_000, 1_000_000):
        table(f"Checkout, {orders:,} orders a day ({DAYS}-day month)", checkout(inputs, orders))
    table("Fixed per stack (alarms, metrics, dashboard)", fixed())
    table("A week of what-if jobs", whatif_week(inputs), "cost")
    return 0


if __name__ == "__main__":
    sys.exit(main())
