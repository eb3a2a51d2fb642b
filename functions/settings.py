"""Every environment variable the handlers read, in one pydantic model, checked when a function
first runs.

Each handler module names the variables its function cannot do without (`NEEDS`); its first
call runs `require_settings(NEEDS)`, which fails, before any request is served, with an error
naming each variable that is missing or bad. template.yaml sets them for every function
(tests/unit/test_settings.py checks it) and the local stack sets them for its workers
(`omniroute/local/stack.py`, `local_environment`). There is no fallback to a literal table name.
Powertools reads its own variables (POWERTOOLS_*), the AWS SDK the AWS_* ones; nothing else in
`functions/` reads the environment.

The variables are read once per distinct environment: on Lambda that is once per container;
tests and the local stack change the environment within one process and get the new values.

Why a plain pydantic model and not pydantic-settings' `BaseSettings`: reading the variables is one
dict comprehension (`Settings.from_environment`); pydantic does the validation either way. But
importing pydantic-settings (it imports its CLI, dotenv and cloud-secret sources) added 24 ms of
CPU time to the orders handler's cold import (470 against 448 ms, median of 15 alternating
fresh processes, load average ~5), 5 % of the import, and 0.8 MB to the Lambda layer.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(RuntimeError):
    """A variable the function needs is missing or bad: a deployment fault, not a request's."""


def table_env_var(logical: str) -> str:
    """The environment variable holding a table's physical name, e.g. `ORDERS_TABLE`."""
    return f"{logical.upper()}_TABLE"


def no_table(logical: str) -> SettingsError:
    return SettingsError(
        f"{table_env_var(logical)} is not set: this function has no table {logical!r}"
    )


ApiAuth = Literal["IAM", "COGNITO", "API_KEY"]
"""How API Gateway authenticates callers: template.yaml's `AuthMode` values."""


class Settings(BaseModel):
    """The environment of a handler (each field is the variable of its name in upper case)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stock_table: str | None = None
    """Physical names of the tables of `dal/tables.py` (`<LOGICAL>_TABLE`)."""
    capacity_table: str | None = None
    orders_table: str | None = None
    nodes_table: str | None = None
    config_table: str | None = None
    idempotency_table: str | None = None
    scenarios_table: str | None = None
    reallocations_table: str | None = None
    scenario_bucket: str | None = None
    """The what-if bucket (`dal/scenarios/storage.py` has its layout)."""
    state_machine_arn: str | None = None
    """The what-if state machine (on AWS the deployed one; the local stack's runs in moto's
    Step Functions: `omniroute/local/state_machines.py`)."""
    whatif_concurrency: int | None = Field(default=None, gt=0)
    """How many scenarios of a what-if job run at once, when fewer than all (the local stack's
    task workers); unset on AWS, where the Distributed Map runs them all at once."""
    max_concurrent_jobs: int | None = Field(default=None, gt=0)
    """What-if jobs queued or running at once; past it POST /v1/scenarios answers 429
    (`logic/scenarios/jobs.py`; template parameter MaxConcurrentWhatifJobs). Unset: no cap."""
    closed_order_retention_days: int = Field(default=0, ge=0)
    """Days a closed (cancelled) order is kept before DynamoDB's TTL deletes it; 0 keeps it
    (template parameter ClosedOrderRetentionDays)."""
    reallocation_bucket: str | None = None
    """Reallocation working files: scope, snapshots, plans, reports
    (`dal/reallocation/storage.py`)."""
    reallocation_state_machine_arn: str | None = None
    """The reallocation workflow (infra/reallocation-state-machine.asl.json)."""
    event_bus_name: str | None = None
    """The EventBridge bus of domain events (node, stock, rejection changes; OrderReallocated).
    Unset: nothing is published, so no change triggers a reallocation."""
    fence_minutes: float = Field(default=120.0, gt=0)
    """How long a (node, SKU) a node rejected as out of stock stays fenced."""
    reoptimise_window_minutes: int = Field(default=30, gt=0)
    """The scheduled re-optimisation re-plans the open orders routed this many minutes back."""
    reallocation_chunk_orders: int = Field(default=2000, gt=0)
    """Orders re-planned together in one chunk of a reallocation (larger scopes: several
    chunks, one after another)."""
    reallocation_solve_seconds: float = Field(default=60.0, gt=0)
    """Wall-clock cap of one chunk's re-plan: a safety net (the work budget decides)."""
    reallocation_solve_work: float = Field(default=40.0, gt=0)
    """Work units (`solver.deadline.Budget`, about a second of the reference machine each) of
    one chunk's `optimal` re-plan: the same snapshot gets the same re-plan whatever the load of
    the machine it runs on, unless the seconds cap stops it first (the plan then says so)."""
    dynamodb_endpoint_url: str | None = None
    """The local stack's embedded DynamoDB (or DynamoDB Local); absent on AWS."""
    s3_endpoint_url: str | None = None
    """The local stack's S3 (moto); absent on AWS."""
    dynamodb_read_timeout: float = Field(default=5.0, gt=0)
    """Seconds before an unanswered DynamoDB call is retried (`dal/client.py`)."""
    api_auth: ApiAuth | None = None
    """How API Gateway authenticates callers (template.yaml), for the OpenAPI document's
    security schemes (`functions/api/docs.py`); unset: no authentication (the local stack)."""
    pending_recovery_seconds: float = Field(default=120.0, ge=0)
    """The sweeper recovers an order change left pending longer than this (and whose
    invocation is over): `functions/logic/orders/recovery.py`."""

    def table(self, logical: str) -> str:
        """A table's physical name; SettingsError if the environment does not name it."""
        name: str | None = getattr(self, f"{logical}_table")
        if name is None:
            raise no_table(logical)
        return name

    def table_names(self) -> dict[str, str]:
        """Logical -> physical names of the tables the environment names."""
        suffix = "_table"
        return {
            field.removesuffix(suffix): value
            for field, value in self.model_dump().items()
            if field.endswith(suffix) and value is not None
        }

    def bucket(self) -> str:
        if self.scenario_bucket is None:
            raise SettingsError("SCENARIO_BUCKET is not set: this function has no what-if bucket")
        return self.scenario_bucket

    @classmethod
    def from_environment(cls) -> Settings:
        """The variables as set now; an empty one counts as not set."""
        return cls.model_validate(
            {name.lower(): value for name in VARIABLES if (value := os.environ.get(name))}
        )


VARIABLES = tuple(name.upper() for name in Settings.model_fields)
"""Every variable the model reads."""

_lock = threading.Lock()
_read: dict[tuple[str | None, ...], Settings] = {}


def current_settings() -> Settings:
    """The settings of the environment as it is now (SettingsError naming each bad value)."""
    key = tuple(os.environ.get(name) for name in VARIABLES)
    with _lock:
        settings = _read.get(key)
        if settings is None:
            try:
                settings = _read[key] = Settings.from_environment()
            except ValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc'])).upper()}={e['input']!r}: {e['msg']}"
                    for e in error.errors()
                )
                raise SettingsError(f"bad environment variables: {problems}") from error
        return settings


def require_settings(needs: Iterable[str]) -> Settings:
    """The settings, once every variable in `needs` is set (SettingsError naming each one
    missing, and any bad value)."""
    settings = current_settings()
    needed = list(needs)
    unknown = [name for name in needed if name not in VARIABLES]
    if unknown:
        raise ValueError(f"not variables of Settings: {', '.join(unknown)}")
    missing = [name for name in needed if getattr(settings, name.lower()) is None]
    if missing:
        raise SettingsError(
            f"missing environment variables: {', '.join(missing)} (template.yaml sets them for "
            "each function; the local stack in omniroute/local/stack.py)"
        )
    return settings
