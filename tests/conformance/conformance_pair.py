"""The two servers a differential case talks to, and how their answers are compared.

``Pair.check(case, scenario)`` runs ``scenario`` (a function of one ``Side`` returning one or more responses)
against the pinned Better Auth server and against tessera, each with its own cookies, reduces every response
to a ``Wire`` and fails on any difference that ``ALLOWED`` does not list for that case. ``ALLOWED`` is the one
place deliberate differences are recorded, each with its reason; an entry that no longer differs fails too.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from conformance_servers import SECRET, PluginServers, Server, plugin_servers
from conformance_wire import Wire, pretty

PASSWORD = "correct-horse-battery"
EVIL = "http://evil.example"
JSON = {"content-type": "application/json"}

#: ``{case id: {aspect: reason}}``: differences we keep on purpose. Aspects are ``Wire.differences`` keys
#: (``status``, ``body``, ``cookies``, ``lifetimes``, ``header:<name>``), prefixed ``<step>.`` in
#: multi-request cases.
_TYPED_UPDATE_USER = (
    "Better Auth's update-user body is an untyped z.record, so {name: 42} is written as is (PostgreSQL "
    "turns it into '42'); tessera checks the core fields' types and answers 400 VALIDATION_ERROR"
)
_CACHE_KEY_ORDER = (
    "key order of a session served from the cookie cache: Better Auth echoes the in-memory objects that "
    "wrote the cache (creation order, id first), tessera answers in its one schema order everywhere; JSON "
    "clients do not depend on key order"
)
_CACHE_REWRITE = (
    "a bad session_data cookie: Better Auth sends an expiring Set-Cookie and then the new cache under the "
    "same name, tessera only the new one; browsers end with the same cookie"
)
_CACHE_DOUBLE_EXPIRY = (
    "sign-out with a session_data cookie: Better Auth expires it twice (once as the cache, once as a "
    "'chunk'), tessera once"
)
_CACHE_USER_CHANGED = (
    "after update-user tessera's revocation list distrusts caches written before now + skew (other "
    "instances' clocks), so the next read goes to the store once and re-issues the cache; Better Auth "
    "answers from the cache (in its cache key order)"
)
_CACHE_REVOKED = (
    "security: a revoked session's cache is refused at once by tessera's revocation list; Better Auth "
    "keeps accepting the cookie cache until it expires (up to maxAge, 300 s)"
)
_TWO_FACTOR_ENABLED_USER = (
    "the verify-totp that turns 2FA on: Better Auth answers with the user as it was before (twoFactorEnabled "
    "false) and the token of the session it just replaced; tessera answers with the new session and the user "
    "as it now is"
)
_NO_STATE_FOR_A_REFUSED_FLOW = (
    "a flow refused with INVALID_OAUTH_CONFIGURATION (no authorization URL): Better Auth has already stored a "
    "state and sets its cookie; tessera refuses first and leaves nothing behind"
)
ALLOWED: dict[str, dict[str, str]] = {
    "two-factor: sign-in flow": {"2.body": _TWO_FACTOR_ENABLED_USER},
    "update-user": {aspect: _TYPED_UPDATE_USER for aspect in ("5.status", "5.cookies", "5.body")},
    "cookie-cache: get-session": {"0.body": _CACHE_KEY_ORDER, "3.cookies": _CACHE_REWRITE},
    # Better Auth first expires the session cookies, then sets them again, in one answer (two Set-Cookie
    # lines per name); tessera sends each cookie once, with its final value: the browser ends in the same state
    "admin: impersonation": {"0.cookies": "one Set-Cookie per name, final values identical"},
    "cookie-cache: update-user": {
        "0.cookies": _CACHE_KEY_ORDER,
        "1.cookies": _CACHE_USER_CHANGED,
        "1.body": _CACHE_USER_CHANGED,
    },
    "cookie-cache: sign-out": {"0.cookies": _CACHE_DOUBLE_EXPIRY},
    "organization: invitations and members": {
        "3.body": "invite-member with an unknown role: Better Auth answers only a message, tessera adds the "
        "stable code ROLE_NOT_FOUND (which Better Auth's update-member-role does send)",
    },
    "organization: dynamic access control": {
        "22.body": "update-role answers the role as stored, updatedAt the time of the update; Better Auth answers "
        "the row it read before updating (updatedAt null)",
    },
    "cookie-cache: revoked session": {
        "1.cookies": _CACHE_REVOKED,
        "1.body": _CACHE_REVOKED,
        "1.lifetimes": _CACHE_REVOKED,
    },
    # generic OAuth: a provider without an authorization URL is refused before a state is written
    "generic-oauth: refusals": {"0.cookies": _NO_STATE_FOR_A_REFUSED_FLOW},
    "generic-oauth: link-social": {"1.cookies": _NO_STATE_FOR_A_REFUSED_FLOW},
}


Jar = dict[str, str]
Scenario = Callable[["Side"], "httpx.Response | list[httpx.Response]"]


@dataclass
class Side:
    """One server and the per-server state a scenario needs (its users' cookies)."""

    name: str
    server: Server
    http: httpx.Client
    jars: dict[str, Jar] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.server.base_url

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        jar: Jar | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        h = dict(headers or {})
        if jar:
            h["cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        try:
            return self.http.request(
                method, self.server.api + path, json=json, content=content, headers=h, params=params
            )
        finally:
            self.http.cookies.clear()  # cookies travel only as the scenario says

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.send("POST", path, json=body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.send("GET", path, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD, **extra: Any) -> Jar:
        r = self.post("/sign-in/email", {"email": email, "password": password, **extra})
        assert r.status_code == 200, f"{self.name}: sign-in failed {r.status_code} {r.text}"
        return jar_from(r)

    def sign_up(self, email: str, name: str = "Test User", password: str = PASSWORD) -> Jar:
        r = self.post("/sign-up/email", {"email": email, "password": password, "name": name})
        assert r.status_code == 200, f"{self.name}: sign-up failed {r.status_code} {r.text}"
        return jar_from(r)


def jar_from(response: httpx.Response, jar: Jar | None = None) -> Jar:
    out = dict(jar or {})
    for line in response.headers.get_list("set-cookie"):
        pair = line.split(";", 1)[0]
        name, _, value = pair.partition("=")
        if value and "max-age=0" not in line.lower():
            out[name] = value
        else:
            out.pop(name, None)
    return out


def signed(token: str) -> str:
    """``token.base64(HMAC-SHA256(secret, token))`` URL-encoded, as Better Auth signs cookies."""
    sig = base64.b64encode(hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()).decode()
    return (token + "." + sig).replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")


@dataclass
class Pair:
    better_auth: Side
    tessera: Side
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    seen: list[str] = field(default_factory=list)

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.better_auth, self.tessera

    def email(self, label: str) -> str:
        return f"{label}-{self.run_id}@example.com"

    def each(self, fn: Callable[[Side], Any]) -> None:
        for side in self.sides:
            fn(side)

    def check(self, case: str, scenario: Scenario) -> list[Wire]:
        """Run ``scenario`` on both servers; fail on any difference not in ``ALLOWED[case]``."""
        results = []
        for side in self.sides:
            out = scenario(side)
            results.append([out] if isinstance(out, httpx.Response) else list(out))
        ba, ts = ([Wire.of(r) for r in rs] for rs in results)
        assert len(ba) == len(ts)
        allowed = ALLOWED.get(case, {})
        found: dict[str, tuple[Any, Any]] = {}
        for i, (a, b) in enumerate(zip(ba, ts, strict=True)):
            prefix = f"{i}." if len(ba) > 1 else ""
            for aspect, values in a.differences(b).items():
                found[prefix + aspect] = values
        unexpected = {k: {"better-auth": v[0], "tessera": v[1]} for k, v in found.items() if k not in allowed}
        assert not unexpected, f"{case}: tessera differs from Better Auth:\n{pretty(unexpected)}"
        stale = sorted(set(allowed) - set(found))
        assert not stale, f"{case}: ALLOWED entries no longer needed: {stale}"
        return ts


# -- fixtures ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def open_pair(better_auth: Server, tessera: Server) -> Iterator[Pair]:
    """A ``Pair`` over two running servers, with a user ``alice`` signed up (and in) on each."""
    with httpx.Client(timeout=60) as a, httpx.Client(timeout=60) as b:
        p = Pair(Side("better-auth", better_auth, a), Side("tessera", tessera, b))
        alice = p.email("alice")
        p.each(lambda s: s.jars.__setitem__("alice", s.sign_up(alice, "Alice")))
        yield p


@contextlib.contextmanager
def plugin_pair(
    tmp_path_factory: pytest.TempPathFactory, reference: Path, postgres_admin_url: str, plugins: str,
    *, outbox: bool = False,
) -> Iterator[tuple[Pair, PluginServers]]:
    """Both servers with ``plugins`` (see ``plugin_servers``) and a ``Pair`` over them."""
    tmp = tmp_path_factory.mktemp(plugins.replace(",", "-"))
    with plugin_servers(tmp, reference, postgres_admin_url, plugins, outbox=outbox) as servers, open_pair(
        servers.better_auth, servers.tessera
    ) as p:
        yield p, servers
