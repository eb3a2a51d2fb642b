"""The local stack: an embedded DynamoDB (moto's server) and the API on 127.0.0.1.

HTTP requests become API Gateway REST (v1 proxy) events for the very handlers deployed to
Lambda (`functions/handlers/*`), one handler per route as template.yaml wires them. Handlers run
in a pool of worker processes that, like Lambda containers, serve one request at a time each;
concurrent requests run in parallel in different workers. `start_local_stack()` returns a
running `LocalStack` (`.url`, `.stop()`) for tests and benchmarks; `omniroute serve` runs one
until interrupted.

Moto applies each DynamoDB request without a lock, so two threads could interleave a condition
check and an update, which real DynamoDB never does. The embedded server therefore runs every
DynamoDB request under one lock: per-request atomicity, as DynamoDB guarantees per item and per
transaction (serialising is stronger than DynamoDB, never weaker).
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import multiprocessing
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

LOCAL_REGION = "us-east-1"
DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "examples" / "demo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _SerialisedApp:
    """WSGI middleware: one request at a time (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        with self.lock:
            return iter(list(self.app(environ, start_response)))


@dataclass
class LocalDynamoDB:
    """moto's DynamoDB on 127.0.0.1 on a free port, in a daemon thread."""

    port: int = 0
    _server: Any = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalDynamoDB:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from omniroute import moto_json, moto_transactions

        moto_transactions.install()  # item snapshots, not whole-table copies (requests serialised)
        moto_json.install()  # plain JSON answers instead of moto's shape-by-shape serializer
        self.port = self.port or free_port()

        class QuietHandler(MotoRequestHandler):
            disable_nagle_algorithm = True

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return

        app = _SerialisedApp(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            "127.0.0.1", self.port, app, threaded=True, request_handler=QuietHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


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


# --------------------------------------------------------------------------- the API


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


ROUTES = (
    ("/v1/promise", "orders"),
    ("/v1/orders", "orders"),
    ("/v1/inventory", "inventory"),
    ("/v1/nodes", "admin"),
    ("/v1/config", "admin"),
    ("/v1/scenarios", "scenarios"),
    ("/openapi.json", "docs"),
    ("/docs", "docs"),
)
"""(path prefix, handler module in functions/handlers) as template.yaml routes them."""


DEFAULT_WORKERS = 4
"""Handler processes: like Lambda containers, each serves one request at a time."""


def _start_worker(environment: dict[str, str]) -> None:
    """Runs in each worker process: the environment a Lambda container gets, then its imports
    (the cold start happens here, not on the first request)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    os.environ.update(environment)
    for module in {module for _, module in ROUTES}:
        importlib.import_module(f"functions.handlers.{module}")


def _exit_with_parent(parent: int) -> None:
    """A worker whose server was killed (not stopped) must not linger."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _invoke(module: str, event: dict[str, Any]) -> dict[str, Any]:
    """Runs in a worker process: one handler call, as Lambda makes it."""
    handler: Handler = importlib.import_module(f"functions.handlers.{module}").handler
    return handler(event, LambdaContext())


def _warm(_: int) -> int:
    time.sleep(0.2)  # keeps this worker busy so the next warm-up task goes to another one
    return os.getpid()


@dataclass
class LambdaContext:
    """The parts of a Lambda context Powertools reads."""

    function_name: str = "omniroute-local"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:omniroute-local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_gateway_event(
    method: str, raw_path: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """An API Gateway REST API (v1) proxy event for one HTTP request."""
    parts = urlsplit(raw_path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    is_text = True
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        is_text = False
        text = base64.b64encode(body).decode("ascii")
    request_id = str(uuid.uuid4())
    return {
        "resource": "/{proxy+}",
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": dict(query) or None,
        "multiValueQueryStringParameters": (
            {k: [v for kk, v in query if kk == k] for k, _ in query} or None
        ),
        "pathParameters": {"proxy": parts.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": parts.path,
            "stage": "local",
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": text if body else None,
        "isBase64Encoded": not is_text,
    }


def _make_request_handler(max_body: int, workers: ProcessPoolExecutor) -> type:

    class ApiRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # keep-alive replies must not wait for delayed ACKs

        def log_message(
            self, format: str, *args: Any
        ) -> None:  # quiet: one line per request is noise
            return

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > max_body:
                self.rfile.read(length)
                self._reply(
                    413,
                    {"content-type": "application/json"},
                    json.dumps(
                        {
                            "code": "body_too_large",
                            "message": f"request body over {max_body} bytes",
                            "errors": [{"path": "body", "message": f"at most {max_body} bytes"}],
                        }
                    ).encode(),
                )
                return
            body = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            module = next(
                (m for prefix, m in ROUTES if path == prefix or path.startswith(prefix + "/")), None
            )
            if module is None:
                self._reply(
                    404,
                    {"content-type": "application/json"},
                    json.dumps(
                        {"code": "not_found", "message": f"no route for {path}", "errors": []}
                    ).encode(),
                )
                return
            headers = {k: v for k, v in self.headers.items()}
            event = api_gateway_event(self.command, self.path, headers, body)
            result = workers.submit(_invoke, module, event).result()
            payload = result.get("body") or ""
            data = (
                base64.b64decode(payload)
                if result.get("isBase64Encoded")
                else payload.encode("utf-8")
            )
            out_headers = dict(result.get("headers") or {})
            for key, values in (result.get("multiValueHeaders") or {}).items():
                out_headers[key] = values[-1]
            self._reply(int(result.get("statusCode", 200)), out_headers, data)

        def _reply(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in ("content-length", "connection"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    return ApiRequestHandler


class _ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the default 5 resets connections under a burst of clients


@dataclass
class LocalStack:
    """A running local stack: `url` of the API, `dynamodb_url`, `stop()`."""

    url: str
    dynamodb_url: str
    _http: _ApiServer
    _thread: threading.Thread
    _dynamodb: LocalDynamoDB | None
    _workers: ProcessPoolExecutor
    _s3: LocalDynamoDB | None = None
    """moto's S3 for the scenario bucket when DynamoDB is elsewhere (else the same server)."""

    @property
    def docs_url(self) -> str:
        return f"{self.url}/docs"

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)
        self._workers.shutdown(wait=True, cancel_futures=True)
        if self._dynamodb is not None:
            self._dynamodb.stop()
        if self._s3 is not None:
            self._s3.stop()


def start_local_stack(
    port: int = 0,
    dataset: Path | None = DEFAULT_DATASET,
    dynamodb_endpoint: str | None = None,
    table_prefix: str | None = None,
    workers: int = DEFAULT_WORKERS,
) -> LocalStack:
    """Start DynamoDB (embedded unless `dynamodb_endpoint`), create tables, load `dataset`, and
    serve the API on 127.0.0.1:`port` (0: a free port) with `workers` handler processes. Sets
    the process environment the handlers read, so one local stack per process."""
    embedded = LocalDynamoDB().start() if dynamodb_endpoint is None else None
    endpoint = embedded.url if embedded is not None else str(dynamodb_endpoint)
    _set_local_credentials(embedded is not None)
    prefix = table_prefix or (
        "omniroute" if embedded is not None else f"omniroute-{uuid.uuid4().hex[:6]}"
    )
    environment = local_environment(endpoint, prefix)
    # What-if jobs keep their files in S3: moto's, on the embedded server (or its own one).
    own_s3 = LocalDynamoDB().start() if embedded is None else None
    s3_server = own_s3 if own_s3 is not None else embedded
    assert s3_server is not None
    environment["S3_ENDPOINT_URL"] = s3_server.url
    environment["SCENARIO_BUCKET"] = f"{prefix}-scenarios"
    os.environ.update(environment)
    prepare_tables(dataset)
    prepare_scenario_bucket(dataset)
    from functions.api.limits import MAX_BODY_BYTES

    # Processes, not threads: Powertools keeps the current request in a class attribute
    # (BaseRouter.current_event), so two requests in one process would see each other's event.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=({**environment, **_credentials()},),
    )
    list(pool.map(_warm, range(workers)))
    http = _ApiServer(
        ("127.0.0.1", port or free_port()), _make_request_handler(MAX_BODY_BYTES, pool)
    )
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    bound = http.server_address[1]
    return LocalStack(f"http://127.0.0.1:{bound}", endpoint, http, thread, embedded, pool, own_s3)


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
