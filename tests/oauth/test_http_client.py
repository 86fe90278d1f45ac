"""``HttpxClient`` against a real socket: what each method puts on the wire."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

pytest.importorskip("httpx")

from tessera.oauth import HttpxClient


async def _echo_server() -> tuple[asyncio.Server, str]:
    """Answers every request with the method, content type and body it received, as JSON."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        answer = json.dumps({
            "method": lines[0].split()[0], "type": headers.get("content-type"), "accept": headers.get("accept"),
            "auth": headers.get("authorization"), "body": body.decode(),
        }).encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
                     b"connection: close\r\n\r\n%b" % (len(answer), answer))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}/api"


async def test_post_json_sends_a_json_body_or_none() -> None:
    server, url = await _echo_server()
    client = HttpxClient()
    try:
        sent: Any = (await client.post_json(url, {"query": "{ viewer { id } }"}, {"authorization": "Bearer t"})).data
        assert sent["method"] == "POST" and sent["type"] == "application/json" and sent["auth"] == "Bearer t"
        assert json.loads(sent["body"]) == {"query": "{ viewer { id } }"} and sent["accept"] == "application/json"
        bare: Any = (await client.post_json(url)).data
        assert (bare["method"], bare["body"], bare["type"]) == ("POST", "", None)
        form: Any = (await client.post_form(url, {"code": "c d"})).data
        assert form["type"] == "application/x-www-form-urlencoded" and form["body"] == "code=c+d"
    finally:
        await client.aclose()
        server.close()
        await server.wait_closed()
