"""The local what-if runner is the definition file: a state added to a copy of
infra/scenario-state-machine.asl.json (next to a copy of template.yaml, which names it) is run
by a local stack started from that template."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from omniroute.local.stack import LocalStack, start_local_stack
from omniroute.local.template import TEMPLATE, state_machines
from tests.integration.api_client import ApiClient
from tests.integration.test_scenarios_api import finished
from tests.integration.whatif_jobs import small_scenarios

ADDED_CAUSE = "a state added to the definition ran"


def with_added_state(definition: dict) -> dict:
    """PrepareScenarios goes to a new task that records a failure, then the machine fails."""
    states = definition["States"]
    states["AddedByTheTest"] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {
            "FunctionName": "${ScenarioWorkerArn}",
            "Payload": {
                "action": "fail",
                "job_id.$": "$.job_id",
                "bucket.$": "$.bucket",
                "error": {"Error": "AddedState", "Cause": ADDED_CAUSE},
            },
        },
        "ResultPath": None,
        "Next": "JobFailed",
    }
    states["PrepareScenarios"]["Next"] = "AddedByTheTest"
    return definition


@pytest.fixture(scope="module")
def edited_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    folder = tmp_path_factory.mktemp("edited-template")
    shutil.copy(TEMPLATE, folder / "template.yaml")
    for name, machine in state_machines().items():  # the what-if machine edited, others as is
        relative = machine.definition.relative_to(TEMPLATE.parent)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        definition = json.loads(machine.definition.read_text())
        if name == "ScenarioStateMachine":
            definition = with_added_state(definition)
        (folder / relative).write_text(json.dumps(definition))
    stack = start_local_stack(workers=1, template=folder / "template.yaml")
    yield stack
    stack.stop()


def test_a_state_added_to_the_definition_is_run(edited_stack: LocalStack) -> None:
    api = ApiClient(edited_stack.url)
    started = api.post("/v1/scenarios", small_scenarios())
    assert started.status == 202, started.body
    done = finished(api, started.body["job_id"])
    api.close()
    assert done.body["status"] == "failed"
    assert done.body["error"] == f"AddedState: {ADDED_CAUSE}"


def test_the_packaged_definition_is_the_repository_file() -> None:
    infra = Path(__file__).resolve().parents[2] / "infra"
    for machine in state_machines().values():
        repository = infra / machine.definition.name
        assert machine.definition.read_bytes() == repository.read_bytes()
    assert TEMPLATE.read_bytes() == (repository.parents[1] / "template.yaml").read_bytes()
