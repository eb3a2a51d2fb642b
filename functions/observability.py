"""The one Logger, Tracer and Metrics of the service (Powertools), configured from the
environment (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_LOG_LEVEL,
POWERTOOLS_TRACE_DISABLED)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="omniroute")
tracer = Tracer(service="omniroute")
metrics = Metrics(namespace="Omniroute", service="omniroute")


def caller_principal(event: Mapping[str, Any]) -> str:
    """Who made an API Gateway (REST) request, as its authorizer established it: the IAM
    principal's ARN (AuthMode IAM), `cognito:<client id or user>` (COGNITO), `api-key:<key id>`
    (API_KEY), else `anonymous` (public docs, the local stack). The API's access log has the
    same fields (template.yaml, AccessLogSetting)."""
    context = event.get("requestContext") or {}
    identity = context.get("identity") or {}
    claims = (context.get("authorizer") or {}).get("claims") or {}
    if identity.get("userArn"):
        return str(identity["userArn"])
    if claims:
        who = claims.get("username") or claims.get("cognito:username") or claims.get("client_id")
        return f"cognito:{who or claims.get('sub', 'unknown')}"
    if identity.get("apiKeyId"):
        return f"api-key:{identity['apiKeyId']}"
    return "anonymous"


def log_request(event: Mapping[str, Any]) -> None:
    """One line per API request naming its caller; the correlation id (API Gateway's request id,
    set by `inject_lambda_context`) is on it and on every later line of the request."""
    caller = caller_principal(event)
    logger.append_keys(caller=caller)
    logger.info(
        "request",
        extra={"method": event.get("httpMethod"), "resource": event.get("resource")},
    )


def log_task(event: Mapping[str, Any]) -> None:
    """One line per state machine task: the job is the correlation id, the execution the caller."""
    job_id = event.get("job_id")
    if job_id:
        logger.set_correlation_id(str(job_id))
    logger.append_keys(caller=str(event.get("execution") or "unknown"), action=event.get("action"))
    logger.info("task", extra={"job_id": job_id})


__all__ = [
    "MetricUnit",
    "caller_principal",
    "log_request",
    "log_task",
    "logger",
    "metrics",
    "tracer",
]
