"""Handler worker processes that behave like Lambda containers: each serves one invocation at a
time, keeps its imports warm between invocations, and when one dies (killed, out of memory, a
crash in native code) only the invocation it was running fails; a replacement starts in the
background and later invocations are served.

Processes, not threads: Powertools keeps the current request in a class attribute
(`BaseRouter.current_event`), so two requests in one process would see each other's event.

Why our own pool rather than a library's (checked against the installed versions):
`concurrent.futures.ProcessPoolExecutor` marks itself broken for good when one worker dies
(`BrokenProcessPool` on every later submit: issue 12's finding); `pebble.ProcessPool` replaces
dead workers, but a worker that dies while no task is running makes it declare the whole pool
broken ("All workers expired", pebble 5.2 `pool/process.py`), and a worker killed between
taking a task from the shared pipe and acknowledging it leaves that task's future unresolved;
loky restarts its whole executor, failing every running task. With one pipe per worker, a
worker's death is an EOF on exactly the invocation it was serving.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from omniroute.local import faults
from omniroute.local.events import LambdaContext

log = logging.getLogger(__name__)

START_TIMEOUT_SECONDS = 120.0
"""A worker that has not finished its imports by then is a failed start (a loaded machine and
a cold disk can take tens of seconds)."""


@dataclass(frozen=True)
class Invocation:
    """The outcome of one handler call. Exactly one of: `result` (the handler returned),
    `error` (it raised: Lambda's {errorType, errorMessage, stackTrace}) or `exit_code` (its
    process died; negative: killed by that signal)."""

    result: Any = None
    error: dict[str, Any] | None = None
    exit_code: int | None = None
    calls: tuple[str, ...] = ()
    worker_pid: int = 0

    @property
    def crashed(self) -> bool:
        return self.exit_code is not None

    def crash_reason(self) -> str:
        code = self.exit_code
        if code is not None and code < 0:
            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"


@dataclass(frozen=True)
class _Request:
    handler: str
    event: Any
    function_name: str
    fault: faults.Fault | None


class WorkerStartFailed(RuntimeError):
    pass


class PoolStopped(RuntimeError):
    pass


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection
    pid: int = 0


@dataclass
class WorkerPool:
    """`size` worker processes with `environment` set, each importing `imports` at start (the
    cold start happens there, not in the first request). `fault_injection` lets invocations
    carry a `faults.Fault` (tests only)."""

    name: str
    size: int
    environment: dict[str, str]
    imports: tuple[str, ...]
    fault_injection: bool = False
    _idle: queue.Queue[_Worker] = field(default_factory=queue.Queue)
    _workers: set[_Worker] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _started: bool = False
    _stopping: bool = False
    replaced: int = 0
    """Workers that died and were replaced since the start."""

    def start(self) -> WorkerPool:
        """Start every worker and wait until each has done its imports."""
        with self._lock:
            if self._started:
                return self
            self._started = True
        starting = [self._launch() for _ in range(self.size)]
        for worker in starting:
            self._await_ready(worker)
            self._idle.put(worker)
        return self

    def invoke(
        self,
        handler: str,
        event: Any,
        function_name: str = "omniroute-local",
        fault: faults.Fault | None = None,
    ) -> Invocation:
        """Call `handler` ("package.module.function") with `event` in an idle worker; waits for
        one if all are busy (or starting). Starts the pool on first use."""
        if not self._started:
            self.start()
        if fault is not None and not self.fault_injection:
            raise ValueError("fault injection is off for this pool")
        worker = self._checkout()
        try:
            worker.connection.send(_Request(handler, event, function_name, fault))
            outcome: Invocation = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            self._replace(worker)
            return Invocation(exit_code=worker.process.exitcode, worker_pid=worker.pid)
        self._idle.put(worker)
        return outcome

    def pids(self) -> list[int]:
        """Process ids of the workers alive now."""
        with self._lock:
            return sorted(w.pid for w in self._workers if w.process.is_alive())

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.process.terminate()
        for worker in workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.connection.close()

    # ----------------------------------------------------------------------- internals

    def _launch(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe(duplex=True)
        process = context.Process(
            target=serve_invocations,
            args=(theirs, self.environment, self.imports, self.fault_injection),
            name=f"omniroute-{self.name}-worker",
            daemon=True,
        )
        process.start()
        theirs.close()  # only the child holds it now: its death is an EOF on ours
        worker = _Worker(process, ours, process.pid or 0)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        if not worker.connection.poll(START_TIMEOUT_SECONDS):
            worker.process.kill()
            raise WorkerStartFailed(f"{self.name} worker did not start in time")
        try:
            worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            raise WorkerStartFailed(
                f"{self.name} worker exited during its start (exit code "
                f"{worker.process.exitcode}; its error is on stderr above)"
            ) from None

    def _checkout(self) -> _Worker:
        while True:
            if self._stopping:
                raise PoolStopped(f"the {self.name} pool is stopping")
            try:
                worker = self._idle.get(timeout=0.5)
            except queue.Empty:
                continue
            if worker.process.is_alive():
                return worker
            self._replace(worker)  # died while idle: nobody was waiting on it

    def _replace(self, dead: _Worker) -> None:
        with self._lock:
            self._workers.discard(dead)
            if self._stopping:
                return
            self.replaced += 1
        dead.connection.close()
        log.warning(
            "%s worker %d died (%s); starting a replacement",
            self.name,
            dead.pid,
            Invocation(exit_code=dead.process.exitcode).crash_reason(),
        )
        threading.Thread(target=self._start_replacement, daemon=True).start()

    def _start_replacement(self) -> None:
        try:
            worker = self._launch()
            self._await_ready(worker)
        except (WorkerStartFailed, OSError) as error:
            log.error("%s: could not replace a worker: %s", self.name, error)
            return
        with self._lock:
            stopped = self._stopping
        if stopped:  # the pool stopped while this one started: it must not outlive it
            worker.process.kill()
            worker.process.join(timeout=5)
            return
        self._idle.put(worker)


# --------------------------------------------------------------------------- in the worker

_handlers: dict[str, Callable[..., Any]] = {}


def _handler(name: str) -> Callable[..., Any]:
    if name not in _handlers:
        module, _, attribute = name.rpartition(".")
        _handlers[name] = getattr(importlib.import_module(module), attribute)
    return _handlers[name]


def _exit_with_parent(parent: int) -> None:
    """A worker whose server was killed (not stopped) must not linger."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _call(request: _Request) -> Invocation:
    faults.arm(request.fault)
    result, error = None, None
    try:
        result = _handler(request.handler)(request.event, LambdaContext(request.function_name))
    except Exception as exc:  # what the Lambda runtime reports for an unhandled exception
        error = {
            "errorType": type(exc).__name__,
            "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(exc),
        }
    if request.fault is not None and request.fault.point == "after-handler":
        faults.kill_this_process()
    return Invocation(result, error, None, faults.calls_made(), os.getpid())


def serve_invocations(
    connection: Connection,
    environment: dict[str, str],
    imports: tuple[str, ...],
    fault_injection: bool,
) -> None:
    """A worker process: the environment a Lambda container gets, its imports, then one
    invocation at a time until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C stops the server, which stops us
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    os.environ.update(environment)
    # Powertools warns when a handler (the sweeper, every minute) published no metric: a line
    # for CloudWatch on AWS, noise in the terminal of `omniroute serve`.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    if fault_injection:
        faults.install()
    for handler in imports:
        _handler(handler)
    connection.send(("ready", os.getpid()))
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        outcome = _call(request)
        try:
            connection.send(outcome)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as exc:
            # an answer pickle cannot carry
            message = f"the handler's answer cannot be sent back: {exc}"
            error = {"errorType": type(exc).__name__, "errorMessage": message, "stackTrace": []}
            connection.send(Invocation(None, error, None, outcome.calls, os.getpid()))
