"""Differential cases with the generic OAuth plugin on both servers (Better Auth's ``genericOAuth()``, tessera's
``generic_oauth()``, the same provider list): the authorization request a configured provider gets, a provider
without an authorization URL, unknown providers, the callback's refusals and a failed code exchange — statuses,
codes, body shapes, cookies and redirects. The providers sit on a port where nothing listens, so these cases do
not depend on an identity provider, except the last: a whole sign-in, session, accounts and provider logout through a running
OpenID provider (the one of ``tests/oauth``) that both servers find by discovery."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
import pytest
from conformance_pair import Pair, Side, jar_from, plugin_pair
from tests.oauth.conftest import Provider, provider  # noqa: F401  (the OpenID provider, a session fixture)


@pytest.fixture(scope="session")
def generic_pair(reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory,
                 provider: Provider) -> Iterator[Pair]:  # noqa: F811
    # both servers also get a provider "mock" found by discovery at the running OpenID provider
    os.environ["GENERIC_OAUTH_ISSUER"] = provider.issuer
    try:
        with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "genericOAuth") as (p, _):
            yield p
    finally:
        del os.environ["GENERIC_OAUTH_ISSUER"]


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def canonical_url(url: str, origin: str) -> str:
    """An authorization URL with what differs by server or by flow replaced: the state, the PKCE challenge, the
    server's own origin (each server has its own port), and the encoding of spaces."""
    if url.startswith(origin):
        url = "http://server" + url[len(origin):]
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key in ("state", "code_challenge", "nonce", "id_token_hint"):
        if key in q:
            q[key] = f"<{key}>"
    for key, value in q.items():  # redirect_uri, post_logout_redirect_uri: back to this server
        if value.startswith(origin):
            q[key] = "<origin>" + value[len(origin):]
    return parts._replace(query=urlencode(sorted(q.items()), quote_via=quote)).geturl()


def comparable(s: Side, r: httpx.Response) -> httpx.Response:
    """``r`` with its authorization URL (body and ``Location``) made canonical, and the flow's state in the
    state cookie replaced (Better Auth's states may hold ``-`` and ``_``, tessera's are alphanumeric)."""
    headers = [(k, v) for k, v in r.headers.multi_items() if k not in ("location", "set-cookie", "content-length")]
    if "location" in r.headers:
        headers.append(("location", canonical_url(r.headers["location"], s.origin)))
    for line in r.headers.get_list("set-cookie"):
        name, _, rest = line.partition("=")
        if name.endswith(".state") and "." in rest.split(";", 1)[0]:
            rest = "S" * 32 + rest[rest.index(".", 0, rest.index(";") if ";" in rest else len(rest)):]
        headers.append(("set-cookie", f"{name}={rest}"))
    content = r.content
    if r.content and r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        if isinstance(body, dict) and isinstance(body.get("url"), str) and body["url"]:
            body["url"] = canonical_url(body["url"], s.origin)
        if isinstance(body, dict) and isinstance(body.get("data"), dict) and "nonce" in body["data"]:
            body["data"]["nonce"] = "<nonce>"  # (tessera's random values are alphanumeric, Better Auth's not)
        content = json.dumps(body).encode()
    return httpx.Response(r.status_code, headers=headers, content=content, request=r.request)


def test_generic_oauth_authorization_requests(generic_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [comparable(s, r) for r in (
            # the client's scopes first, then the configured ones; the configured parameters
            post(s, "/sign-in/social", {"provider": "static", "callbackURL": "/in", "disableRedirect": True,
                                        "scopes": ["openid"], "loginHint": "a@example.com",
                                        "additionalParams": {"hd": "example.com"}}),
            # no PKCE, form_post, no scopes at all
            post(s, "/sign-in/social", {"provider": "nopkce", "callbackURL": "/in"}),
        )]

    wires = generic_pair.check("generic-oauth: authorization requests", scenario)
    assert [w.status for w in wires] == [200, 200]


def test_generic_oauth_refusals(generic_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [
            post(s, "/sign-in/social", {"provider": "half", "callbackURL": "/in"}),
            post(s, "/sign-in/social", {"provider": "nowhere", "callbackURL": "/in"}),
            post(s, "/sign-in/social", {"provider": "static", "additionalParams": {"state": "x"}}),
            post(s, "/sign-in/social", {"provider": "static", "callbackURL": "https://evil.example/x"}),
            post(s, "/link-social", {"provider": "static"}),
        ]

    wires = generic_pair.check("generic-oauth: refusals", scenario)
    assert [w.status for w in wires] == [400, 404, 400, 403, 401]


def test_generic_oauth_callback_errors(generic_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        out = []
        for query in ({"error": "access_denied"}, {"code": "abc"}, {}):
            started = post(s, "/sign-in/social", {"provider": "static", "callbackURL": "/in",
                                                  "errorCallbackURL": "/oops", "disableRedirect": True})
            state = parse_qs(urlsplit(started.json()["url"]).query)["state"][0]
            # the provider's error, a code the (unreachable) token endpoint cannot exchange, no code at all
            out.append(s.get("/callback/static", params={"state": state, **query}, jar=jar_from(started)))
        return out

    wires = generic_pair.check("generic-oauth: callback errors", scenario)
    assert [w.status for w in wires] == [302, 302, 302]


def test_generic_oauth_link_social(generic_pair: Pair) -> None:
    email = generic_pair.email("linker")

    def scenario(s: Side) -> list[httpx.Response]:
        jar = s.sign_up(email)
        return [
            comparable(s, post(s, "/link-social", {"provider": "static", "callbackURL": "/linked",
                                                "disableRedirect": True}, jar)),
            post(s, "/link-social", {"provider": "half", "callbackURL": "/linked"}, jar),
        ]

    wires = generic_pair.check("generic-oauth: link-social", scenario)
    assert [w.status for w in wires] == [200, 400]


def test_generic_oauth_idp_initiated_callback(generic_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        return [comparable(s, r) for r in (
            # a code without a state: the flow restarts for a provider that allows it, else state_not_found
            s.get("/callback/idpinit", params={"code": "minted-by-the-idp"}),
            s.get("/callback/static", params={"code": "minted-by-the-idp"}),
        )]

    wires = generic_pair.check("generic-oauth: IdP-initiated callback", scenario)
    assert [w.status for w in wires] == [302, 302]


def round_trip(s: Side, provider: Provider, provider_id: str, sub: str  # noqa: F811
               ) -> tuple[httpx.Response, httpx.Response, dict[str, str]]:
    """Start a sign-in with ``provider_id``, consent at the OpenID provider as ``sub``, come back to the callback:
    the start, the callback's answer, and the browser's cookies."""
    started = post(s, "/sign-in/social", {"provider": provider_id, "callbackURL": "/home",
                                           "newUserCallbackURL": "/welcome", "disableRedirect": True})
    jar = jar_from(started)
    back = urlsplit(provider.consent(started.json()["url"], sub))
    assert f"{back.scheme}://{back.netloc}" == s.origin, back
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    done = s.get(back.path[len("/api/auth"):], params=query, jar=jar)
    return started, done, jar_from(done, jar)


def test_generic_oauth_full_flow_through_a_real_provider(generic_pair: Pair, provider: Provider) -> None:  # noqa: F811
    sub = f"full-{generic_pair.run_id}"
    provider.set_user(sub, email=generic_pair.email("full"), email_verified=True, name="Full Flow")

    def sign_in(s: Side) -> tuple[httpx.Response, httpx.Response, dict[str, str]]:
        return round_trip(s, provider, "mock", sub)

    def scenario(s: Side) -> list[httpx.Response]:
        started, done, jar = sign_in(s)
        accounts = s.get("/list-accounts", jar=jar)
        out = [
            comparable(s, started),
            done,
            s.get("/get-session", jar=jar),
            accounts,
            comparable(s, s.get("/account-info", params={"accountId": accounts.json()[0]["id"]}, jar=jar)),
            # RP-initiated logout at the provider: the configured return address
            comparable(s, post(s, "/sign-out", {"disableRedirect": True}, jar)),
        ]
        _, again, jar = sign_in(s)  # a returning user goes to callbackURL
        return [*out, again, comparable(s, post(s, "/sign-out", {"callbackURL": "/out", "state": "st"}, jar))]

    wires = generic_pair.check("generic-oauth: full flow", scenario)
    assert [w.status for w in wires] == [200, 302, 200, 200, 200, 200, 302, 200]


def test_generic_oauth_plain_providers_through_a_real_provider(generic_pair: Pair,
                                                              provider: Provider) -> None:  # noqa: F811
    sub = f"plain-{generic_pair.run_id}"
    provider.set_user(sub, email=generic_pair.email("plain"), email_verified=True, name="Plain")

    def scenario(s: Side) -> list[httpx.Response]:
        # the token response's ID token is the profile; then only userinfo, which has no "id": no subject
        started, done, jar = round_trip(s, provider, "mockplain", sub)
        _, refused, _ = round_trip(s, provider, "mockuserinfo", sub)
        return [comparable(s, started), done, s.get("/list-accounts", jar=jar), comparable(s, refused)]

    wires = generic_pair.check("generic-oauth: plain OAuth providers", scenario)
    assert [w.status for w in wires] == [200, 302, 200, 302]
