"""The ASGI adapter: bytes in, ``Request``; ``Response``, bytes out. Nothing else lives here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from . import _json
from .http import Headers, Request, Response

if TYPE_CHECKING:
    from .auth import Tessera

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_TOO_LARGE = _json.dumps({"message": "Request body is too large", "code": "PAYLOAD_TOO_LARGE"})
#: the headers most responses carry, encoded once
_ENCODED = {
    pair: (pair[0].encode("latin-1"), pair[1].encode("latin-1"))
    for pair in (("content-type", "application/json"), ("cache-control", "no-store"), ("pragma", "no-cache"))
}


class BodyTooLarge(Exception):
    pass


async def read_body(receive: Receive, limit: int, declared: str | None) -> bytes:
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _without_body(scope: Scope, headers: Headers) -> bool:
    """True when the request has no body by HTTP's framing rules, so ``receive`` need not be called.

    ``Content-Length: 0`` on any version; on HTTP/1.x also neither ``Content-Length`` nor
    ``Transfer-Encoding`` (RFC 9112, section 6.3). HTTP/2 and 3 may send DATA without a length: read those.
    """
    length = headers.get("content-length")
    if length is not None:
        return length.strip() == "0"
    return "transfer-encoding" not in headers and scope.get("http_version") in ("1.1", "1.0")


def request_from_scope(scope: Scope, body: bytes, headers: Headers) -> Request:
    client = scope.get("client")
    path: str = scope["path"]
    root = scope.get("root_path") or ""
    if root and not path.startswith(root):
        path = root + path  # servers that strip the mount prefix from ``path``
    return Request(
        method=scope["method"],
        path=path,
        headers=headers,
        query_string=scope.get("query_string", b"").decode("latin-1"),
        body=body,
        scheme=scope.get("scheme", "http"),
        client_host=client[0] if client else None,
    )


async def send_response(send: Send, response: Response, *, head: bool = False) -> None:
    encoded = _ENCODED.get
    headers = [encoded(pair) or (pair[0].encode("latin-1"), pair[1].encode("latin-1")) for pair in response.headers]
    headers.extend((b"set-cookie", cookie.encode("latin-1")) for cookie in response.set_cookies.values())
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})


def asgi_app(auth: Tessera) -> ASGIApp:
    limit = auth.context.advanced.max_body_size

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await _lifespan(auth, receive, send)
            return
        if kind != "http":
            return
        headers = Headers.from_pairs(scope.get("headers", ()))
        if _without_body(scope, headers):
            body = b""  # nothing to receive: spares the server a receive() round trip (every GET)
        else:
            try:
                body = await read_body(receive, limit, headers.get("content-length"))
            except BodyTooLarge:
                await send_response(send, Response(413, _TOO_LARGE, [("content-type", "application/json")]))
                return
        request = request_from_scope(scope, body, headers)
        response = await auth.handle(request)
        await send_response(send, response, head=scope["method"] == "HEAD")

    return app


async def _lifespan(auth: Tessera, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await auth.startup()
            except Exception as exc:  # pragma: no cover - reported to the server
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await auth.shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return
