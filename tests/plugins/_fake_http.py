"""A local HTTP server standing in for a third-party API (Pwned Passwords, a CAPTCHA siteverify endpoint): it
records what it receives and answers what the test sets. Tests never call the real services."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    #: seconds to wait before answering (a slow service)
    delay: float = 0.0
    #: more header lines (``location`` of a redirect)
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class FakeService:
    url: str
    received: list[Received] = field(default_factory=list)
    #: what to answer a request with; the default answers ``200`` with an empty body
    answer: Callable[[Received], Answer] = lambda _: Answer()

    def answer_with(self, answer: Answer) -> None:
        self.answer = lambda _: answer


@asynccontextmanager
async def fake_service(path: str = "/") -> AsyncIterator[FakeService]:
    """A server on 127.0.0.1 at a free port; ``service.url`` is its base URL followed by ``path``."""
    service: FakeService

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            received = Received(method, target, headers, body)
            service.received.append(received)
            answer = service.answer(received)
            if answer.delay:
                await asyncio.sleep(answer.delay)
            extra = b"".join(b"%b: %b\r\n" % (k.encode(), v.encode()) for k, v in answer.headers)
            writer.write(
                b"HTTP/1.1 %d X\r\ncontent-type: %b\r\ncontent-length: %d\r\nconnection: close\r\n%b\r\n%b"
                % (answer.status, answer.content_type.encode(), len(answer.body), extra, answer.body)
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    service = FakeService(f"http://127.0.0.1:{port}{path}")
    try:
        yield service
    finally:
        server.close()
        await server.wait_closed()
