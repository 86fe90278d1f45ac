"""Outbound HTTP to identity providers: the one seam between tessera and the network.

``HTTPClient`` is a ``Protocol`` with three verbs. The default implementation uses ``httpx`` (the ``oauth``
extra), never follows redirects (a provider endpoint that redirects is refused, as Better Auth's
``fetchRefusingRedirects`` does, so a tampered discovery document cannot bounce token requests elsewhere)
and keeps one connection pool per event loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .. import _json


class ProviderHTTPError(Exception):
    """The provider could not be reached, redirected, or answered something that is not JSON."""


@dataclass(frozen=True)
class HTTPResult:
    status: int
    data: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class HTTPClient(Protocol):
    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> HTTPResult: ...

    async def post_form(
        self, url: str, data: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> HTTPResult: ...

    async def post_json(self, url: str, body: Any = None, headers: Mapping[str, str] | None = None) -> HTTPResult:
        """POST ``body`` as JSON (``None``: an empty body), for the providers whose user API is a POST."""
        ...


#: the most of a JSON (or form) answer that is read: a provider's is a few kilobytes
MAX_ANSWER_BYTES = 4 * 1024 * 1024


class HttpxClient:
    """``HTTPClient`` over ``httpx.AsyncClient`` (imported on first use)."""

    def __init__(self, timeout: float = 10.0, user_agent: str = "tessera", *, purpose: str = "social sign-in") -> None:
        self.timeout = timeout
        self.user_agent = user_agent
        #: what the import error says needs httpx (plugins that call out reuse this client)
        self.purpose = purpose
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            try:
                import httpx
            except ImportError as exc:  # pragma: no cover - depends on installed extras
                raise ProviderHTTPError(
                    f"{self.purpose} needs httpx: pip install 'tessera-auth[oauth]'"
                ) from exc
            client = httpx.AsyncClient(
                timeout=self.timeout, follow_redirects=False, headers={"user-agent": self.user_agent}
            )
            self._clients[loop] = client
        return client

    async def _send(self, method: str, url: str, **kwargs: Any) -> HTTPResult:
        try:
            async with self._client().stream(method, url, **kwargs) as response:
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_ANSWER_BYTES:  # a provider's JSON is kilobytes; never hold more
                        raise ProviderHTTPError(f"{method} {url}: an answer larger than {MAX_ANSWER_BYTES} bytes")
        except ProviderHTTPError:
            raise
        except Exception as exc:
            raise ProviderHTTPError(f"{method} {url}: {exc.__class__.__name__}: {exc}") from exc
        if 300 <= response.status_code < 400:
            raise ProviderHTTPError(
                f"{url} answered a redirect; server-side OAuth requests never follow redirects "
                "(configure the final endpoint URL)"
            )
        try:
            data = _json.loads(bytes(content)) if content else None
        except _json.JSONDecodeError:
            form = "form" in response.headers.get("content-type", "")
            data = _parse_form(content.decode(response.encoding or "utf-8", errors="replace")) if form else None
        return HTTPResult(response.status_code, data)

    async def get(self, url: str, headers: Mapping[str, str] | None = None) -> HTTPResult:
        return await self._send("GET", url, headers={"accept": "application/json", **(headers or {})})

    async def post_form(
        self, url: str, data: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> HTTPResult:
        return await self._send(
            "POST", url, data=dict(data), headers={"accept": "application/json", **(headers or {})}
        )

    async def post_json(self, url: str, body: Any = None, headers: Mapping[str, str] | None = None) -> HTTPResult:
        sent = {"accept": "application/json", **(headers or {})}
        if body is None:
            return await self._send("POST", url, headers=sent)
        sent.setdefault("content-type", "application/json")
        return await self._send("POST", url, content=_json.dumps_str(body).encode(), headers=sent)

    async def get_text(
        self, url: str, headers: Mapping[str, str] | None = None, *, max_bytes: int = 1024 * 1024
    ) -> tuple[int, str]:
        """GET a text answer (not JSON): its status and body, read up to ``max_bytes`` (more is an error)."""
        try:
            async with self._client().stream("GET", url, headers=dict(headers or {})) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise ProviderHTTPError(f"GET {url}: an answer larger than {max_bytes} bytes")
                status = response.status_code
        except ProviderHTTPError:
            raise
        except Exception as exc:
            raise ProviderHTTPError(f"GET {url}: {exc.__class__.__name__}: {exc}") from exc
        if 300 <= status < 400:
            raise ProviderHTTPError(f"{url} answered a redirect; server-side requests never follow redirects")
        return status, body.decode("utf-8", errors="replace")

    async def aclose(self) -> None:
        """Close this event loop's connection pool."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()


def _parse_form(text: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(text))
