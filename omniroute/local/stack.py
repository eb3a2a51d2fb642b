"""Start and stop a local stack: the embedded AWS services (moto's server), the tables and the
demo data, the worker pools and the local API Gateway.

`start_local_stack()` returns a running `LocalStack` (`.url`, `.stop()`) for tests and
benchmarks; `omniroute serve` runs one until interrupted. It sets the process environment the
handlers read, so one local stack per process at a time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from omniroute.data import DEMO_DATASET
from omniroute.local import faults, snapshots
from omniroute.local.api_server import HttpServer, LocalApiGateway
from omniroute.local.eventbridge import LocalEventBridge, bus_variables, target_handlers
from omniroute.local.moto_server import MotoServer, forget_everything
from omniroute.local.routes import RouteTable
from omniroute.local.schedules import LocalSchedules, schedules
from omniroute.local.state_machines import (
    LocalStateMachines,
    disable_execution,
    state_machine_variables,
)
from omniroute.local.template import TEMPLATE, handlers, routes, state_machines
from omniroute.local.workers import WorkerPool

LOCAL_REGION = "us-east-1"
DEFAULT_DATASET = DEMO_DATASET
DEFAULT_WORKERS = 4
"""Handler processes: like Lambda containers, each serves one request at a time."""
TASK_WORKERS = 1
"""Processes for the state machines' Lambda tasks (the what-if worker), started on the first
task: one, so a what-if job's scenarios run one after another beside the API."""


def local_environment(endpoint: str, prefix: str) -> dict[str, str]:
    """Environment variables the handlers read (see docs/deploy.md), for a local run."""
    from functions.dal.tables import TABLES
    from functions.settings import table_env_var

    env = {table_env_var(logical): f"{prefix}-{logical}" for logical in TABLES}
    env.update(
        {
            "DYNAMODB_ENDPOINT_URL": endpoint,
            "DYNAMODB_READ_TIMEOUT": "120",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", LOCAL_REGION),
            "POWERTOOLS_SERVICE_NAME": "omniroute",
            "POWERTOOLS_METRICS_NAMESPACE": "Omniroute",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
        }
    )
    return env


def _set_local_credentials(endpoint_is_local: bool) -> None:
    # moto accepts any credentials; never use real ones against the embedded server.
    if endpoint_is_local:
        os.environ["AWS_ACCESS_KEY_ID"] = "local"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"
        os.environ.pop("AWS_SESSION_TOKEN", None)
        os.environ.pop("AWS_PROFILE", None)


def prepare_tables(dataset: Path | None) -> None:
    """Create the tables named by the environment and load a dataset (None: load nothing)."""
    from functions.dal.client import dynamodb_client, table_names
    from functions.dal.database import Database
    from functions.dal.dataset import load_dataset_into
    from functions.dal.tables import create_tables
    from solver.loading import load_dataset

    client = dynamodb_client()
    create_tables(client, table_names())
    if dataset is None:
        return
    result = load_dataset(dataset)
    if result.dataset is None:
        problems = "\n".join(str(e) for e in result.errors[:20])
        raise ValueError(f"dataset {dataset} has errors:\n{problems}")
    load_dataset_into(Database(client), result.dataset)


def prepare_scenario_bucket(dataset: Path | None) -> None:
    """Create the scenario bucket and upload `dataset` as `datasets/<folder name>/`, the
    dataset a scenario file can name as `base.dataset` (functions/dal/scenarios/storage.py)."""
    from functions.dal.scenarios.storage import (
        DATASETS_PREFIX,
        s3_client,
        scenario_bucket,
        upload_folder,
    )

    client, bucket = s3_client(), scenario_bucket()
    region = os.environ.get("AWS_DEFAULT_REGION", LOCAL_REGION)
    where = {} if region == "us-east-1" else {"LocationConstraint": region}
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(
            Bucket=bucket, **({"CreateBucketConfiguration": where} if where else {})
        )
    if dataset is not None:
        upload_folder(bucket, str(dataset), f"{DATASETS_PREFIX}{Path(dataset).resolve().name}/")


@dataclass
class LocalStack:
    """A running local stack: `url` of the API, `dynamodb_url`, `stop()`."""

    url: str
    dynamodb_url: str
    api_workers: WorkerPool
    task_workers: WorkerPool
    events: LocalEventBridge
    """The template's event rules (omniroute/local/eventbridge.py)."""
    machines: LocalStateMachines
    """The template's state machines in moto (tests inject task faults through it)."""
    _http: HttpServer
    _gateway: LocalApiGateway
    _aws: MotoServer
    """moto's server this stack started: DynamoDB, S3 and Step Functions (S3 and Step
    Functions only, when DynamoDB is elsewhere)."""
    schedules: LocalSchedules | None = None
    """The template's scheduled functions (the order sweeper, the periodic re-optimisation),
    run in the background."""
    _store: snapshots.Store | None = None
    _data_dir: Path | None = None
    restored: snapshots.Saved | None = None
    """What was restored from `--data-dir` at the start (None: started from the dataset)."""
    saved: snapshots.Saved | None = field(default=None, init=False)
    """What was saved to `--data-dir` by `stop()`."""

    @property
    def docs_url(self) -> str:
        return f"{self.url}/docs"

    def stop(self) -> None:
        """Stop serving, save the store to the data folder if there is one, stop moto and
        forget its in-memory state (a restart starts from the data folder or the dataset)."""
        self._http.stop()
        self._gateway.close()
        self.events.stop()
        if self.schedules is not None:
            self.schedules.stop()
        self.api_workers.stop()
        self.task_workers.stop()
        if self._data_dir is not None and self._store is not None:
            self.saved = snapshots.save(self._data_dir, self._store)
        self._aws.stop()
        forget_everything()
        disable_execution()


class DataDirConflict(ValueError):
    pass


def start_local_stack(
    port: int = 0,
    dataset: Path | None = DEFAULT_DATASET,
    dynamodb_endpoint: str | None = None,
    table_prefix: str | None = None,
    workers: int = DEFAULT_WORKERS,
    data_dir: Path | None = None,
    fault_injection: bool | None = None,
    template: Path = TEMPLATE,
    run_schedules: bool = True,
) -> LocalStack:
    """Start DynamoDB (embedded unless `dynamodb_endpoint`), create tables, load `dataset`, and
    serve the API on 127.0.0.1:`port` (0: a free port) with `workers` handler processes.

    `data_dir`: keep the embedded store there across restarts; if it holds a snapshot, the
    tables and bucket are restored from it and `dataset` is not loaded. `fault_injection`
    (default: OMNIROUTE_FAULT_INJECTION=1): honour `X-Omniroute-Fault` (omniroute/local/faults.py;
    tests only). `template`: the SAM template whose routes are served. `run_schedules`: run its
    scheduled functions in the background (`omniroute/local/schedules.py`; off: only
    `stack.schedules.run_now`)."""
    if data_dir is not None and dynamodb_endpoint is not None:
        raise DataDirConflict(
            "--data-dir keeps the embedded DynamoDB; with --dynamodb-endpoint the data "
            "already lives in that DynamoDB"
        )
    if fault_injection is None:
        fault_injection = os.environ.get(faults.FAULT_INJECTION_ENV) == "1"
    with contextlib.ExitStack() as started:  # undone if anything below fails
        started.callback(forget_everything)
        embedded = MotoServer().start() if dynamodb_endpoint is None else None
        # What-if jobs keep their files in S3: moto's, on the embedded server (or its own one).
        aws = embedded if embedded is not None else MotoServer().start()
        started.callback(aws.stop)
        endpoint = embedded.url if embedded is not None else str(dynamodb_endpoint)
        _set_local_credentials(embedded is not None)
        prefix = table_prefix or (
            "omniroute" if embedded is not None else f"omniroute-{uuid.uuid4().hex[:6]}"
        )
        environment = local_environment(endpoint, prefix)
        environment["S3_ENDPOINT_URL"] = aws.url
        environment["SCENARIO_BUCKET"] = f"{prefix}-scenarios"
        environment["AWS_ENDPOINT_URL_SFN"] = aws.url  # botocore's endpoint for Step Functions
        environment["AWS_ENDPOINT_URL_EVENTBRIDGE"] = aws.url  # and EventBridge (domain events)
        # Reallocation files under reallocations/ of the same bucket, so --data-dir keeps them.
        environment["REALLOCATION_BUCKET"] = environment["SCENARIO_BUCKET"]
        environment["WHATIF_CONCURRENCY"] = str(TASK_WORKERS)
        os.environ.update(environment)
        task_pool = _task_pool(template, environment, target_handlers(template), fault_injection)
        started.callback(task_pool.stop)
        region = environment["AWS_DEFAULT_REGION"]
        events = LocalEventBridge(aws.url, region, prefix, task_pool, template)
        started.callback(events.stop)
        machines = LocalStateMachines(
            aws.url, environment["AWS_DEFAULT_REGION"], prefix, task_pool, template
        )
        started.callback(disable_execution)
        environment.update(state_machine_variables(template, machines.create()))
        environment.update(bus_variables(template, events.create()))
        os.environ.update(environment)
        store = snapshots.Store.from_environment() if data_dir is not None else None
        restored = _fill_store(dataset, data_dir, store)
        from functions.api.limits import MAX_BODY_BYTES

        table = RouteTable(routes(template))
        api_handlers = tuple(sorted({route.handler for route in table.routes}))
        env = {**environment, **_credentials()}
        pool = WorkerPool("api", workers, env, api_handlers, fault_injection=fault_injection)
        started.callback(pool.stop)
        pool.start()
        gateway = LocalApiGateway(table, pool, MAX_BODY_BYTES, fault_injection)
        http = HttpServer(gateway, port).start()
        events.start()
        scheduled = LocalSchedules(schedules(template))
        if run_schedules:
            scheduled.start()
        started.pop_all()  # running: the LocalStack stops them from now on
    return LocalStack(
        f"http://127.0.0.1:{http.port}",
        endpoint,
        pool,
        task_pool,
        events,
        machines,
        http,
        gateway,
        aws,
        scheduled,
        store,
        data_dir,
        restored,
    )


def _task_pool(
    template: Path, environment: dict[str, str], extra: set[str], fault_injection: bool = False
) -> WorkerPool:
    """The pool for the state machines' Lambda tasks and the event rules' targets: the handlers
    of the functions they invoke (started on the first task)."""
    by_function = handlers(template)
    task_handlers = extra | {
        by_function[function]
        for machine in state_machines(template).values()
        for function in machine.function_substitutions.values()
    }
    env = {**environment, **_credentials()}
    return WorkerPool(
        "tasks", TASK_WORKERS, env, tuple(sorted(task_handlers)), fault_injection=fault_injection
    )


def _fill_store(
    dataset: Path | None, data_dir: Path | None, store: snapshots.Store | None
) -> snapshots.Saved | None:
    """Create the tables and bucket; restore them from `data_dir` if it holds a snapshot (then
    returns what was restored), else load `dataset`."""
    if data_dir is not None and store is not None and snapshots.has_snapshot(data_dir):
        prepare_tables(None)
        prepare_scenario_bucket(None)
        return snapshots.restore(data_dir, store)
    prepare_tables(dataset)
    prepare_scenario_bucket(dataset)
    return None


def wait_for_interrupt() -> None:
    """Block until Ctrl+C or SIGTERM (also when started in the background, where the shell
    ignores SIGINT)."""
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    while not stop.wait(3600):
        pass


def _credentials() -> dict[str, str]:
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")
    return {name: os.environ[name] for name in names if name in os.environ}
