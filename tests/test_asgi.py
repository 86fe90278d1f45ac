"""``tessera.asgi``: when the adapter reads a request body, and when it need not call ``receive``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests._helpers import make_auth


async def _call(method: str, headers: list[tuple[bytes, bytes]], http_version: str, body: bytes = b"") -> tuple[int, int]:
    """(status, number of ``receive`` calls) for one request to ``/sign-up/email``."""
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": body, "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/api/auth/sign-up/email", "query_string": b"",
             "headers": [(b"origin", b"http://127.0.0.1:3000"), *headers], "http_version": http_version}
    await make_auth()(scope, receive, send)
    return sent[0]["status"], received


@pytest.mark.parametrize("version", ["1.0", "1.1"])
async def test_http1_requests_without_framing_headers_are_not_received(version: str) -> None:
    assert await _call("GET", [], version) == (404, 0)  # no GET route there; answered without a receive
    assert await _call("POST", [(b"content-length", b"0")], version) == (400, 0)


@pytest.mark.parametrize("version", ["2", "3"])
async def test_http2_bodies_without_a_length_are_received(version: str) -> None:
    body = json.dumps({"email": "a@example.com", "password": "correct-horse-battery", "name": "A"}).encode()
    status, received = await _call("POST", [(b"content-type", b"application/json")], version, body)
    assert (status, received) == (200, 1)


async def test_bodies_with_a_length_or_chunked_are_received() -> None:
    body = json.dumps({"email": "b@example.com", "password": "correct-horse-battery", "name": "B"}).encode()
    length = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    assert await _call("POST", length, "1.1", body) == (200, 1)
    chunked = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    body = body.replace(b"b@", b"c@")
    assert await _call("POST", chunked, "1.1", body) == (200, 1)
