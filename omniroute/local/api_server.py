"""The local API Gateway: HTTP on 127.0.0.1 served by uvicorn (h11), each request routed by
template.yaml's routes to its function's handler, called in a worker process with an API Gateway
REST proxy event, the proxy response sent back as HTTP.

uvicorn does the HTTP: malformed requests (a bad or negative Content-Length, broken chunked
framing, a bad request line) get a 400 from it without reaching a handler, chunked bodies are
decoded, HEAD answers carry no body, and no `Server` header names our software. What API
Gateway does before a Lambda is called is done here: a path no route has is a 404, a method
its resource lacks a 405 with `Allow`, `OPTIONS` a 204 with `Allow` (no CORS is configured),
`HEAD` runs the resource's GET; a body over the handlers' limit is a 413. A handler that raises,
returns something that is not a proxy response, or whose process dies answers 502, as API
Gateway answers for a failed Lambda, with a JSON body saying which.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import uvicorn

from omniroute.local import faults
from omniroute.local.events import (
    HttpAnswer,
    MalformedProxyResponse,
    api_gateway_event,
    proxy_answer,
)
from omniroute.local.routes import RouteMatch, RouteTable
from omniroute.local.workers import Invocation, WorkerPool

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

KEEP_ALIVE_SECONDS = 75
"""Idle keep-alive connections are closed after this (uvicorn's default of 5 s drops
connections of clients that pause between requests)."""


def json_answer(
    status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> HttpAnswer:
    """An error in the API's shape ({code, message, errors})."""
    body = json.dumps({"code": code, "message": message, "errors": []}).encode()
    return HttpAnswer(status, (("Content-Type", "application/json"), *headers), body)


def _allow(methods: tuple[str, ...]) -> str:
    allowed = set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    return ", ".join(sorted(allowed))


@dataclass(frozen=True)
class _Request:
    method: str
    raw_path: str
    query: str
    headers: dict[str, str]
    body: bytes


class LocalApiGateway:
    """The ASGI application (see the module docstring)."""

    def __init__(
        self, table: RouteTable, pool: WorkerPool, max_body: int, fault_injection: bool
    ) -> None:
        self.table = table
        self.pool = pool
        self.max_body = max_body
        self.fault_injection = fault_injection
        # One thread per invocation in flight, each waiting on its worker's pipe.
        self._threads = ThreadPoolExecutor(
            max_workers=max(8, 2 * pool.size), thread_name_prefix="api-invoke"
        )

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body, too_large, gone = await self._read_body(receive)
        if gone:  # the client left before its body arrived: nothing to run, nobody to answer
            return
        request = _Request(
            method=scope["method"],
            raw_path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
            body=body,
        )
        answer = self._before_the_handler(request, too_large)
        if answer is None:
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(self._threads, self.answer, request)
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": [
                    *((k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers),
                    (b"content-length", str(len(answer.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _read_body(self, receive: Receive) -> tuple[bytes, bool, bool]:
        """(body, too large, client gone): the whole body, or b"" once it passes the limit
        (the rest is read and dropped, so the connection stays usable)."""
        chunks: list[bytes] = []
        size, too_large, more = 0, False, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", too_large, True
            chunk = message.get("body", b"")
            size += len(chunk)
            too_large = too_large or size > self.max_body
            if not too_large:
                chunks.append(chunk)
            more = bool(message.get("more_body"))
        return (b"", True, False) if too_large else (b"".join(chunks), False, False)

    def _before_the_handler(self, request: _Request, too_large: bool) -> HttpAnswer | None:
        """API Gateway's answers that need no handler (None: call the handler)."""
        found = self.table.match(self._routed_method(request.method), request.raw_path)
        if found is None:
            message = f"no route {request.method} {request.raw_path}"
            return json_answer(404, "not_found", message)
        allow = (("Allow", _allow(found.methods)),)
        if request.method == "OPTIONS":
            return HttpAnswer(204, allow, b"")
        if found.match is None:
            message = f"{request.method} is not allowed on {request.raw_path}"
            return json_answer(405, "method_not_allowed", message, allow)
        if too_large:
            return HttpAnswer(
                413,
                (("Content-Type", "application/json"),),
                json.dumps(
                    {
                        "code": "body_too_large",
                        "message": f"request body over {self.max_body} bytes",
                        "errors": [{"path": "body", "message": f"at most {self.max_body} bytes"}],
                    }
                ).encode(),
            )
        if self.fault_injection and faults.FAULT_HEADER.lower() in request.headers:
            try:
                faults.parse_fault(request.headers[faults.FAULT_HEADER.lower()])
            except faults.InvalidFault as error:
                return json_answer(400, "invalid_fault", str(error))
        return None

    @staticmethod
    def _routed_method(method: str) -> str:
        return "GET" if method == "HEAD" else method

    def answer(self, request: _Request) -> HttpAnswer:
        """Route, call the handler in a worker, and turn what it gave into HTTP (blocking)."""
        found = self.table.match(self._routed_method(request.method), request.raw_path)
        assert found is not None and found.match is not None  # checked before
        headers = dict(request.headers)
        fault = None
        if self.fault_injection and faults.FAULT_HEADER.lower() in headers:
            fault = faults.parse_fault(headers.pop(faults.FAULT_HEADER.lower()))
        invocation = self.pool.invoke(
            found.match.route.handler,
            self._event(request, headers, found.match),
            function_name=found.match.route.function,
            fault=fault,
        )
        answer = self._http_answer(invocation)
        if not self.fault_injection:
            return answer
        extra = (
            (faults.CALLS_HEADER, ",".join(invocation.calls)),
            (faults.WORKER_HEADER, str(invocation.worker_pid)),
        )
        return HttpAnswer(answer.status, answer.headers + extra, answer.body)

    def _event(self, request: _Request, headers: dict[str, str], match: RouteMatch) -> Any:
        path = request.raw_path + (f"?{request.query}" if request.query else "")
        return api_gateway_event(
            self._routed_method(request.method),
            path,
            headers,
            request.body,
            resource=match.route.path,
            path_parameters=match.path_parameters,
        )

    @staticmethod
    def _http_answer(invocation: Invocation) -> HttpAnswer:
        if invocation.crashed:
            return json_answer(
                502,
                "handler_crashed",
                f"the handler's process ended while serving this request "
                f"({invocation.crash_reason()}); it has been replaced, retry the request",
            )
        if invocation.error is not None:
            error = invocation.error
            message = f"the handler failed: {error['errorType']}: {error['errorMessage']}"
            return json_answer(502, "handler_failed", message)
        try:
            return proxy_answer(invocation.result)
        except MalformedProxyResponse as exc:
            return json_answer(502, "malformed_handler_response", str(exc))

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


class HttpServer:
    """uvicorn serving an ASGI app on 127.0.0.1:`port` (0: a free one) in a daemon thread."""

    def __init__(self, app: Any, port: int = 0) -> None:
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
        # and without it every answer's body waits for the client's delayed ACK (40 ms).
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            app,
            http="h11",
            loop="asyncio",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=5,
            backlog=256,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self, timeout: float = 30.0) -> HttpServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"the HTTP server did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
