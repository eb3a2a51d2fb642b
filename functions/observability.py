"""The one Logger, Tracer and Metrics of the service (Powertools), configured from the
environment (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL,
POWERTOOLS_TRACE_DISABLED)."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="omniroute")
tracer = Tracer(service="omniroute")
metrics = Metrics(namespace="Omniroute", service="omniroute")

__all__ = ["MetricUnit", "logger", "metrics", "tracer"]
