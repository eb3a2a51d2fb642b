"""Lambda (scheduled, template.yaml `SweeperFunction`): recover order changes cut short
(`functions/logic/orders/recovery.py`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from functions.dal.database import current_database
from functions.logic.orders.recovery import sweep
from functions.observability import MetricUnit, logger, metrics
from functions.settings import require_settings

NEEDS = ("STOCK_TABLE", "CAPACITY_TABLE", "ORDERS_TABLE")
"""The environment variables this function cannot do without (`functions/settings.py`)."""


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = require_settings(NEEDS)
    report = sweep(current_database(), settings.pending_recovery_seconds)
    metrics.add_metric("RecoveredOrderChanges", MetricUnit.Count, len(report.recovered))
    metrics.add_metric("UnrecoveredOrderChanges", MetricUnit.Count, len(report.failed))
    if report.recovered or report.failed:
        logger.info("swept pending orders", extra=asdict(report))
    return asdict(report)
