"""HTTP clients for any Better Auth-compatible server (tessera or Better Auth itself), on ``httpx``.

``AsyncTesseraClient`` and ``TesseraClient`` have the same methods; cookies (the session) are kept by the
underlying ``httpx`` client, and an ``Origin`` header (the server's origin unless given) satisfies the
server's CSRF check on cookie-bearing POSTs, as a browser would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlsplit

from ._errors import ClientError, TransientError, error_for
from ._tokens import AsyncTokenHolder, TokenHolder

try:
    import httpx
except ImportError as exc:  # pragma: no cover - depends on installed extras
    raise ImportError("tessera.client needs httpx: pip install 'tessera-auth[client]'") from exc


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _parse(response: httpx.Response) -> Any:
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if response.status_code >= 400:
        raise error_for(response.status_code, body)
    return body


def _token_from(body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("token"), str):
        raise ClientError(200, "INVALID_RESPONSE", "the token endpoint did not return {token}")
    token: str = body["token"]
    return token


@contextmanager
def _network_errors() -> Iterator[None]:
    try:
        yield
    except httpx.HTTPError as exc:
        raise TransientError(0, "NETWORK_ERROR", str(exc) or type(exc).__name__) from exc


class _Tokens(Protocol):
    def offer(self, token: str) -> None: ...

    def invalidate(self) -> None: ...


#: one endpoint call, as ``request`` takes it: method, path, JSON body
Call = tuple[str, str, Any]


class _Base:
    """What the two clients share: each builds its calls here and only performs the I/O itself."""

    tokens: _Tokens

    def __init__(self, base_url: str, base_path: str, origin: str | None, token_path: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.base_path = base_path.rstrip("/")
        self.origin = origin or _origin(base_url)
        self.token_path = token_path

    def _url(self, path: str) -> str:
        return f"{self.base_url}{self.base_path}{path}"

    def _headers(self, method: str) -> dict[str, str]:
        return {"origin": self.origin} if method != "GET" else {}

    def _request_args(self, method: str, path: str, json: Any, params: Mapping[str, Any] | None) -> dict[str, Any]:
        return {"method": method, "url": self._url(path), "json": json, "params": params,
                "headers": self._headers(method)}

    def _answer(self, response: httpx.Response) -> Any:
        """The decoded answer (or a ``ClientError``); a ``set-auth-jwt`` header refreshes the held token."""
        jwt = response.headers.get("set-auth-jwt")
        if jwt and response.status_code < 400:
            self.tokens.offer(jwt)
        return _parse(response)

    @staticmethod
    def _sign_up(email: str, password: str, name: str, extra: Mapping[str, Any]) -> Call:
        return "POST", "/sign-up/email", {"email": email, "password": password, "name": name, **extra}

    def _sign_in(self, email: str, password: str, remember_me: bool | None, extra: Mapping[str, Any]) -> Call:
        self.tokens.invalidate()  # another identity from now on
        body: dict[str, Any] = {"email": email, "password": password, **extra}
        if remember_me is not None:
            body["rememberMe"] = remember_me
        return "POST", "/sign-in/email", body

    def _sign_out(self) -> Call:
        self.tokens.invalidate()
        return "POST", "/sign-out", {}


class AsyncTesseraClient(_Base):
    """``async with AsyncTesseraClient("https://auth.example.com") as auth: await auth.sign_in_email(...)``."""

    tokens: AsyncTokenHolder

    def __init__(
        self,
        base_url: str,
        *,
        base_path: str = "/api/auth",
        origin: str | None = None,
        token_path: str = "/token",
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        refresh_margin: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(base_url, base_path, origin, token_path)
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self.tokens = AsyncTokenHolder(self._fetch_token, refresh_margin=refresh_margin, clock=clock)

    async def request(self, method: str, path: str, json: Any = None, *, params: Mapping[str, Any] | None = None) -> Any:
        """Call any endpoint: the decoded JSON answer, or a ``ClientError``."""
        with _network_errors():
            response = await self.http.request(**self._request_args(method, path, json, params))
        return self._answer(response)

    async def sign_up_email(self, email: str, password: str, name: str, **extra: Any) -> Any:
        return await self.request(*self._sign_up(email, password, name, extra))

    async def sign_in_email(self, email: str, password: str, *, remember_me: bool | None = None, **extra: Any) -> Any:
        return await self.request(*self._sign_in(email, password, remember_me, extra))

    async def sign_out(self) -> Any:
        return await self.request(*self._sign_out())

    async def get_session(self) -> Any:
        """``{session, user}`` or ``None``; a ``set-auth-jwt`` header refreshes the held token for free."""
        return await self.request("GET", "/get-session")

    async def get_token(self) -> str:
        """A JWT for this session, reused until shortly before it expires."""
        return await self.tokens.get()

    async def get_jwks(self) -> Any:
        return await self.request("GET", "/jwks")

    async def _fetch_token(self) -> str:
        return _token_from(await self.request("GET", self.token_path))

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncTesseraClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class TesseraClient(_Base):
    """The blocking twin of ``AsyncTesseraClient`` (same methods, ``httpx.Client`` underneath)."""

    tokens: TokenHolder

    def __init__(
        self,
        base_url: str,
        *,
        base_path: str = "/api/auth",
        origin: str | None = None,
        token_path: str = "/token",
        http: httpx.Client | None = None,
        timeout: float = 10.0,
        refresh_margin: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(base_url, base_path, origin, token_path)
        self.http = http or httpx.Client(timeout=timeout)
        self.tokens = TokenHolder(self._fetch_token, refresh_margin=refresh_margin, clock=clock)

    def request(self, method: str, path: str, json: Any = None, *, params: Mapping[str, Any] | None = None) -> Any:
        """Call any endpoint: the decoded JSON answer, or a ``ClientError``."""
        with _network_errors():
            response = self.http.request(**self._request_args(method, path, json, params))
        return self._answer(response)

    def sign_up_email(self, email: str, password: str, name: str, **extra: Any) -> Any:
        return self.request(*self._sign_up(email, password, name, extra))

    def sign_in_email(self, email: str, password: str, *, remember_me: bool | None = None, **extra: Any) -> Any:
        return self.request(*self._sign_in(email, password, remember_me, extra))

    def sign_out(self) -> Any:
        return self.request(*self._sign_out())

    def get_session(self) -> Any:
        return self.request("GET", "/get-session")

    def get_token(self) -> str:
        return self.tokens.get()

    def get_jwks(self) -> Any:
        return self.request("GET", "/jwks")

    def _fetch_token(self) -> str:
        return _token_from(self.request("GET", self.token_path))

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> TesseraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
