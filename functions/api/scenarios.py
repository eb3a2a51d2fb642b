"""Routes of the scenarios function: start a what-if job, follow it, read its report."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from functions.api.answers import BODY_ERRORS, JobAnswer, JobStarted, documented
from functions.api.idempotency import IdempotencyKeyHeader, idempotent_call
from functions.api.responses import json_response
from functions.logic.scenarios import jobs

ScenarioId = Annotated[str, Path(min_length=1, max_length=100)]


def make_router() -> Router:
    router = Router()

    @router.post(
        "/v1/scenarios",
        summary="Start a what-if job for a scenario file (JSON); answers its id at once",
        description=(
            "The body is a scenario file as JSON (docs/whatif.md): `base.dataset` names a "
            "dataset of the service's bucket (`datasets/<name>/`), `base.orders` optionally an "
            "orders file under it. Answers 202 with `job_id`; follow it with GET "
            "/v1/scenarios/{scenario_id}. A bad file answers 422 with every error, each naming "
            "its scenario, change and field. Errors that need the dataset (an unknown node...) "
            "fail the job with the reason. Send an `Idempotency-Key` header to make a retry "
            "answer the same job."
        ),
        responses=documented({202: ("The job is queued", JobStarted)}, *BODY_ERRORS, 409),
        tags=["scenarios"],
    )
    def post_scenarios(
        body: Annotated[dict[str, Any], Body()], idempotency: IdempotencyKeyHeader = None
    ) -> Response[Any]:
        spec = jobs.validated(body)
        return idempotent_call(  # no key given: every call is a new job
            router,
            "create_scenario_job",
            idempotency,
            body,
            lambda: (202, jobs.create_job(spec, body)),
        )

    @router.get(
        "/v1/scenarios/<scenario_id>",
        summary="A what-if job: status, progress and, once done, KPIs and the comparison",
        description=(
            "`status` is queued, running, succeeded or failed; `progress` counts the daily "
            "batches planned. When succeeded: `kpis` (kpis.json: each scenario's KPIs, batches "
            "and deltas against the base) and `comparison` (scenario -> metric -> value, base, "
            "delta, relative). When failed: `error`, the reason."
        ),
        responses=documented({200: ("The job", JobAnswer)}, 404, 422),
        tags=["scenarios"],
    )
    def get_scenario_job(scenario_id: ScenarioId) -> Response[Any]:
        return json_response(200, jobs.describe_job(scenario_id))

    @router.get(
        "/v1/scenarios/<scenario_id>/report",
        summary="The job's report.html (404 until the job has succeeded)",
        responses=documented({200: ("report.html", None)}, 404, 422),
        tags=["scenarios"],
    )
    def get_scenario_report(scenario_id: ScenarioId) -> Response[Any]:
        return Response(200, "text/html; charset=utf-8", jobs.job_report(scenario_id))

    return router
