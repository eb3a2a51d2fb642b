"""The template's state machines, run locally by moto's Step Functions engine from their own
definition files, with each Lambda task calling our handler in a worker pool.

What-if jobs therefore run locally exactly as the deployed definition says (states, order,
ResultSelector/ResultPath, Retry, Catch, the Distributed Map over the job's S3 prefix): the
scenarios function starts an execution as it does on AWS (STATE_MACHINE_ARN set) and nothing
replays the steps in Python.

Why moto's engine and not a small interpreter of our own: moto executes ASL (Task, Pass, Choice,
Map including Distributed Map with an S3 ItemReader, Parallel, Wait, Retry, Catch, intrinsic
functions) when `execute_state_machine` is on, and is already our embedded AWS; a definition
that uses a state or a field our own interpreter did not know would silently run differently.
Its Lambda needs Docker, which we do not have, so `install_lambda_runner` replaces the one
function through which its `arn:aws:states:::lambda:invoke` tasks call Lambda
(`lambda_eval_utils._invoke_lambda_function`) with one that resolves the function's ARN to the
template's `Handler:` string and calls it in our worker pool; an exception or a dead worker
becomes a Lambda function error (`FunctionError: Unhandled`, payload {errorType,
errorMessage}), so the definition's Retry and Catch see what they would see on AWS.
The engine runs in this process, in moto's threads; its S3 ItemReader reaches moto's server at
localhost:$MOTO_PORT, which `LocalStateMachines` sets.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omniroute.local import faults
from omniroute.local.events import LOCAL_ACCOUNT
from omniroute.local.template import TEMPLATE, functions, handlers, state_machines, substitute
from omniroute.local.workers import WorkerPool

_PATCHED = "_omniroute_lambda_runner"
ROLE = f"arn:aws:iam::{LOCAL_ACCOUNT}:role/omniroute-local-state-machine"

TaskRunner = Callable[[dict[str, Any], str], dict[str, Any]]
"""(Lambda Invoke parameters, region) -> moto's invocation response."""


_original_invoke: Any = None


def install_lambda_runner(run: TaskRunner) -> bool:
    """Make moto's Step Functions call `run` for lambda:invoke tasks (False: moto is not as
    expected, nothing patched)."""
    try:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
            lambda_eval_utils,
        )
    except ImportError:
        return False
    if not hasattr(lambda_eval_utils, "_invoke_lambda_function"):
        return False

    def invoke(parameters: dict[str, Any], region: str, state_credentials: Any) -> Any:
        return run(parameters, region)

    global _original_invoke
    current = lambda_eval_utils._invoke_lambda_function
    if not getattr(current, _PATCHED, False):
        _original_invoke = current
    setattr(invoke, _PATCHED, True)
    lambda_eval_utils._invoke_lambda_function = invoke
    return True


def _set_execution(on: bool) -> None:
    from moto.core.config import default_user_config

    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = on


def enable_execution() -> None:
    """moto runs the definitions of state machines (off by default)."""
    _set_execution(True)


def disable_execution() -> None:
    """Back to moto's defaults: definitions are not run, Lambda tasks go to moto's Lambda."""
    _set_execution(False)
    if _original_invoke is not None:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import (
            lambda_eval_utils,
        )

        lambda_eval_utils._invoke_lambda_function = _original_invoke


def function_arn(region: str, prefix: str, logical: str) -> str:
    return f"arn:aws:lambda:{region}:{LOCAL_ACCOUNT}:function:{prefix}-{logical}"


def _function_error(error_type: str, message: str) -> dict[str, Any]:
    payload = {"errorType": error_type, "errorMessage": message, "stackTrace": []}
    return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": payload}


@dataclass
class LocalStateMachines:
    """The template's state machines created in moto's Step Functions at `aws_url`, their
    Lambda tasks run by `pool` (started on the first task)."""

    aws_url: str
    region: str
    prefix: str
    pool: WorkerPool
    template: Path = TEMPLATE
    _task_faults: dict[str, list[faults.Fault]] = field(default_factory=dict)
    _faults_lock: threading.Lock = field(default_factory=threading.Lock)

    def inject_task_fault(self, action: str, fault: faults.Fault) -> None:
        """Tests: kill the worker of the next task whose payload's `action` is `action`, at
        `fault` (the pool must have fault injection on). Several queue up, one per task."""
        with self._faults_lock:
            self._task_faults.setdefault(action, []).append(fault)

    def _next_fault(self, event: Any) -> faults.Fault | None:
        action = event.get("action") if isinstance(event, dict) else None
        with self._faults_lock:
            queued = self._task_faults.get(str(action))
            return queued.pop(0) if queued else None

    def create(self) -> dict[str, str]:
        """Create every state machine; returns logical id -> ARN."""
        import boto3
        from botocore.exceptions import ClientError

        self._by_arn = {
            function_arn(self.region, self.prefix, name): name for name in handlers(self.template)
        }
        self._handlers = handlers(self.template)
        if not install_lambda_runner(self.run_task):
            raise RuntimeError("moto's Step Functions is not as expected; cannot run tasks")
        enable_execution()
        os.environ["MOTO_PORT"] = self.aws_url.rsplit(":", 1)[1]  # the ItemReader's S3
        client = boto3.session.Session().client(
            "stepfunctions", endpoint_url=self.aws_url, region_name=self.region
        )
        arns = {}
        for name, machine in state_machines(self.template).items():
            values = {
                key: function_arn(self.region, self.prefix, function)
                for key, function in machine.function_substitutions.items()
            }
            definition = substitute(machine.definition.read_text(), values)
            try:
                created = client.create_state_machine(
                    name=f"{self.prefix}-{name}", definition=definition, roleArn=ROLE
                )
            except ClientError as error:
                raise ValueError(f"{machine.definition}: {error}") from None
            arns[name] = created["stateMachineArn"]
        return arns

    def run_task(self, parameters: dict[str, Any], region: str) -> dict[str, Any]:
        """One lambda:invoke task: the function's handler in the pool, answered as Lambda's
        Invoke answers (a function error for an exception or a dead worker)."""
        name = str(parameters.get("FunctionName", ""))
        logical = self._by_arn.get(name)
        if logical is None:
            return _function_error("ResourceNotFoundException", f"no function {name}")
        raw = parameters.get("Payload") or b"{}"
        event = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
        invocation = self.pool.invoke(
            self._handlers[logical], event, f"{self.prefix}-{logical}", self._next_fault(event)
        )
        if invocation.crashed:
            request = uuid.uuid4()
            reason = invocation.crash_reason()
            message = f"RequestId: {request} Error: Runtime exited ({reason})"
            return _function_error("Runtime.ExitError", message)
        if invocation.error is not None:
            return _function_error(invocation.error["errorType"], invocation.error["errorMessage"])
        payload = json.loads(json.dumps(invocation.result))
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": payload}


def state_machine_variables(template: Path, arns: dict[str, str]) -> dict[str, str]:
    """Environment variables the template sets to a state machine's ARN (`!Ref Machine`), for
    the handlers' environment: e.g. STATE_MACHINE_ARN of the scenarios function."""
    variables = {}
    for function in functions(template).values():
        for key, value in (
            function["Properties"].get("Environment", {}).get("Variables", {}).items()
        ):
            if isinstance(value, dict) and value.get("Ref") in arns:
                variables[key] = arns[value["Ref"]]
    return variables
