"""moto's server on 127.0.0.1: the embedded DynamoDB, S3 and Step Functions of the local stack.

In memory, for local runs, tests and demos; never a production database (`--data-dir` keeps a
copy across restarts: `omniroute/local/snapshots.py`).

Moto applies each request without a lock, so two threads could interleave a condition check and
an update, which real DynamoDB never does. The server therefore runs every request under one
lock: per-request atomicity, as DynamoDB guarantees per item and per transaction (serialising is
stronger than DynamoDB, never weaker).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


def free_port() -> int:
    """A port free just now (for a command told its port; servers here bind port 0 instead)."""
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
class MotoServer:
    """moto's server on 127.0.0.1 on a free port, in a daemon thread."""

    port: int = 0
    _server: Any = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from omniroute.local import moto_indexes, moto_json, moto_transactions

        moto_transactions.install()  # item snapshots, not whole-table copies (requests serialised)
        moto_indexes.install()  # index queries read projected items, as DynamoDB does
        moto_json.install()  # plain JSON answers instead of moto's shape-by-shape serializer

        class QuietHandler(MotoRequestHandler):
            disable_nagle_algorithm = True

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                return

        app = _SerialisedApp(DomainDispatcherApplication(create_backend_app))
        # Port 0: the server's own socket takes a free port (no bind-then-close race).
        self._server = make_server(
            "127.0.0.1", self.port, app, threaded=True, request_handler=QuietHandler
        )
        self.port = int(self._server.port)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def forget_everything() -> None:
    """Drop every table, bucket and state machine moto holds in this process (its backends are
    per process, not per server): what stopping a real in-memory store does."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
