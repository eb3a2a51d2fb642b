"""The local stack's HTTP front, spoken to over raw sockets: malformed requests get a clean 4xx
at once (no hang, no dropped connection), chunked bodies are read whole, HEAD and OPTIONS get
proper answers, unknown paths and methods a 404 and a 405 in the API's error shape, and no
header names the server's software."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from functions.api.limits import MAX_BODY_BYTES
from omniroute.local import faults
from omniroute.local.stack import LocalStack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders

TIMEOUT = 10.0


def port_of(stack: LocalStack) -> int:
    return int(stack.url.rsplit(":", 1)[1])


def read_answer(sock: socket.socket, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 answer: status, headers (lower-case names), body (by Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before an answer: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if head_only else int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return int(status_line.split()[1]), headers, rest[:length]


def exchange(stack: LocalStack, raw: bytes, head_only: bool = False) -> tuple[int, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port_of(stack)), timeout=TIMEOUT) as sock:
        sock.sendall(raw)
        return read_answer(sock, head_only)


def promise_body() -> bytes:
    order = demo_orders()[0]
    return json.dumps({"customer": order["customer"], "lines": order["lines"]}).encode()


@pytest.mark.parametrize("length", [b"-1", b"abc", b"1e3", b"12, 13"])
def test_a_bad_content_length_is_a_400_at_once(stack: LocalStack, length: bytes) -> None:
    raw = b"POST /v1/orders HTTP/1.1\r\nHost: local\r\nContent-Length: " + length + b"\r\n\r\n{}"
    status, _, _ = exchange(stack, raw)
    assert status == 400


def test_a_request_line_that_is_not_http_is_a_400(stack: LocalStack) -> None:
    status, _, _ = exchange(stack, b"HELLO\r\n\r\n")
    assert status == 400


def test_broken_chunked_framing_is_a_400(stack: LocalStack) -> None:
    raw = (
        b"POST /v1/promise HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    )
    status, _, _ = exchange(stack, raw)
    assert status == 400


def chunked(body: bytes, size: int) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_a_chunked_body_is_read_whole_and_the_connection_stays_in_step(
    stack: LocalStack,
) -> None:
    body = promise_body()
    head = (
        b"POST /v1/promise HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    plain = (
        b"POST /v1/promise HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    plain_status, _, plain_answer = exchange(stack, plain)
    with socket.create_connection(("127.0.0.1", port_of(stack)), timeout=TIMEOUT) as sock:
        sock.sendall(head + chunked(body, 37))
        status, _, answer = read_answer(sock)
        assert (status, plain_status) == (200, 200), answer
        assert json.loads(answer) == json.loads(plain_answer)
        # The next request on the same connection is read from where the last one ended.
        sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: local\r\n\r\n")
        status, headers, answer = read_answer(sock)
        assert status == 200
        assert headers["content-type"].startswith("application/json")
        assert json.loads(answer)["openapi"]


def test_a_chunked_body_over_the_limit_is_a_413(stack: LocalStack) -> None:
    head = (
        b"POST /v1/orders HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    status, _, answer = exchange(stack, head + chunked(b" " * (MAX_BODY_BYTES + 1), 65536))
    assert status == 413
    assert json.loads(answer)["code"] == "body_too_large"


def test_head_answers_the_get_headers_without_a_body(stack: LocalStack) -> None:
    get_status, get_headers, get_body = exchange(stack, b"GET /docs HTTP/1.1\r\nHost: l\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port_of(stack)), timeout=TIMEOUT) as sock:
        sock.sendall(b"HEAD /docs HTTP/1.1\r\nHost: l\r\n\r\n")
        status, headers, _ = read_answer(sock, head_only=True)
        # Nothing follows the headers: the next answer on the connection starts right away.
        sock.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: l\r\n\r\n")
        next_status, _, _ = read_answer(sock)
    assert (status, get_status, next_status) == (200, 200, 200)
    assert headers["content-type"] == get_headers["content-type"]
    assert int(headers["content-length"]) == len(get_body)


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/orders", "OPTIONS, POST"),
        ("/v1/orders/o-1", "GET, HEAD, OPTIONS"),
        ("/v1/nodes/W1", "GET, HEAD, OPTIONS, PUT"),
    ],
)
def test_options_lists_the_methods_the_template_gives_the_path(
    stack: LocalStack, path: str, allow: str
) -> None:
    status, headers, body = exchange(stack, f"OPTIONS {path} HTTP/1.1\r\nHost: l\r\n\r\n".encode())
    assert (status, headers["allow"], body) == (204, allow, b"")


def error_of(body: bytes) -> dict[str, Any]:
    document = json.loads(body)
    assert set(document) == {"code", "message", "errors"}
    return document


def test_a_method_the_path_lacks_is_a_405_with_allow(stack: LocalStack) -> None:
    status, headers, body = exchange(stack, b"DELETE /v1/orders/o-1 HTTP/1.1\r\nHost: l\r\n\r\n")
    assert (status, headers["allow"]) == (405, "GET, HEAD, OPTIONS")
    assert error_of(body)["code"] == "method_not_allowed"


def test_a_path_no_route_has_is_a_404_in_the_api_error_shape(stack: LocalStack) -> None:
    status, _, body = exchange(stack, b"GET /v2/orders HTTP/1.1\r\nHost: l\r\n\r\n")
    assert status == 404
    assert error_of(body)["code"] == "not_found"


def test_no_header_names_the_server_software(stack: LocalStack) -> None:
    for raw in (b"GET /docs HTTP/1.1\r\nHost: l\r\n\r\n", b"GET /x HTTP/1.1\r\nHost: l\r\n\r\n"):
        _, headers, _ = exchange(stack, raw)
        assert "server" not in headers
        assert not any("python" in value.lower() for value in headers.values())


def test_without_fault_injection_the_header_is_just_a_header(stack: LocalStack) -> None:
    client = ApiClient(stack.url)
    try:
        body = {**demo_orders()[6], "order_id": "no-injection-1"}
        reply = client.post("/v1/orders", body, headers={faults.FAULT_HEADER: "kill-after-call=1"})
        assert reply.status == 201, reply.body
        assert faults.CALLS_HEADER not in reply.headers
    finally:
        client.close()
