"""The bearer plugin: ``Authorization: Bearer`` in, ``set-auth-token`` out, over HTTP and ``auth.api``."""

from __future__ import annotations

import ast
import base64
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

import tessera.plugins.bearer as bearer_package
from tessera import Tessera
from tessera.db.schema import utcnow
from tessera.plugins.bearer import BearerPlugin, bearer
from tessera.plugins.bearer.hooks import bearer_credential

from ._support import PASSWORD, SESSION_COOKIE, call, cookie_header, cookie_value, make_auth, sign_up


def bearer_auth(**options: object) -> Tessera:
    return make_auth(plugins=[bearer(**options)])  # type: ignore[arg-type]


def authorization(token: str) -> tuple[str, str]:
    return ("authorization", f"Bearer {token}")


async def test_sign_up_and_sign_in_hand_out_the_signed_token() -> None:
    auth = bearer_auth()
    signed_up = await sign_up(auth)
    signed = cookie_value(signed_up)
    assert signed is not None and signed.startswith(signed_up.json_body()["token"] + ".")
    assert signed_up.header("set-auth-token") == signed  # decoded, not URL-encoded: "=" not "%3D"
    assert signed.endswith("=")
    assert signed_up.header("access-control-expose-headers") == "set-auth-token"

    signed_in = await call(
        auth, "POST", "/sign-in/email", json={"email": "alice@example.com", "password": PASSWORD}
    )
    assert signed_in.header("set-auth-token") == cookie_value(signed_in)


async def test_signed_bearer_token_authenticates_get_session() -> None:
    auth = bearer_auth()
    token = (await sign_up(auth)).header("set-auth-token")
    assert token is not None
    response = await call(auth, "GET", "/get-session", headers=[authorization(token)])
    assert response.status == 200
    assert response.json_body()["user"]["email"] == "alice@example.com"
    # nothing new was set, so nothing is handed out
    assert response.header("set-auth-token") is None


async def test_bare_token_is_signed_on_the_fly_unless_signatures_are_required() -> None:
    lenient = bearer_auth()
    bare = (await sign_up(lenient)).json_body()["token"]
    ok = await call(lenient, "GET", "/get-session", headers=[authorization(bare)])
    assert ok.json_body()["session"]["token"] == bare

    strict = bearer_auth(require_signature=True)
    assert strict.plugin(BearerPlugin).options.require_signature is True
    signed_up = await sign_up(strict)
    bare = signed_up.json_body()["token"]
    refused = await call(strict, "GET", "/get-session", headers=[authorization(bare)])
    assert refused.status == 200 and refused.json_body() is None
    signed = signed_up.header("set-auth-token")
    assert signed is not None
    accepted = await call(strict, "GET", "/get-session", headers=[authorization(signed)])
    assert accepted.json_body()["session"]["token"] == bare


async def test_url_safe_and_url_encoded_signatures_are_accepted() -> None:
    auth = bearer_auth()
    signed = (await sign_up(auth)).header("set-auth-token")
    assert signed is not None
    value, sig = signed.split(".")
    url_safe = f"{value}.{base64.urlsafe_b64encode(base64.b64decode(sig)).decode().rstrip('=')}"
    encoded = quote(signed, safe="")
    assert "%" in encoded
    for token in (url_safe, encoded):
        response = await call(auth, "GET", "/get-session", headers=[authorization(token)])
        assert response.json_body() is not None, token


@pytest.mark.parametrize(
    "header",
    [
        "Bearer {value}.AAAA{sig}",  # tampered signature
        "Bearer {value}x.{sig}",  # tampered token
        "Bearer .{sig}",
        "Bearer %E0%A4%A",  # undecodable escape
        "Basic {value}",  # another scheme
        "Bearer",
    ],
)
async def test_invalid_tokens_are_ignored_and_the_request_proceeds_unauthenticated(header: str) -> None:
    auth = bearer_auth()
    value, sig = (await sign_up(auth)).header("set-auth-token").split(".")  # type: ignore[union-attr]
    response = await call(
        auth, "GET", "/get-session", headers=[("authorization", header.format(value=value, sig=sig))]
    )
    assert response.status == 200
    assert response.json_body() is None
    protected = await call(
        auth, "POST", "/update-user", json={"name": "Eve"},
        headers=[("authorization", header.format(value=value, sig=sig))],
    )
    assert protected.status == 401
    assert protected.json_body() == {"message": "Unauthorized", "code": "UNAUTHORIZED"}


async def test_bearer_token_reaches_protected_endpoints_without_cookies() -> None:
    auth = bearer_auth()
    token = (await sign_up(auth)).header("set-auth-token")
    assert token is not None
    headers = [authorization(token)]  # no cookie, no Origin: a mobile app or a CLI
    response = await call(auth, "POST", "/update-user", json={"name": "Alicia"}, headers=headers)
    assert response.status == 200
    session = await call(auth, "GET", "/get-session", headers=[authorization(token)])
    assert session.json_body()["user"]["name"] == "Alicia"


async def test_bearer_wins_over_a_cookie_for_another_session() -> None:
    auth = bearer_auth()
    alice = await sign_up(auth, "alice@example.com")
    bob_token = (await sign_up(auth, "bob@example.com")).header("set-auth-token")
    assert bob_token is not None
    response = await call(
        auth, "GET", "/get-session", headers=[cookie_header(alice), authorization(bob_token)]
    )
    assert response.json_body()["user"]["email"] == "bob@example.com"


async def test_sign_out_with_bearer_revokes_and_hands_out_no_token() -> None:
    auth = bearer_auth()
    token = (await sign_up(auth)).header("set-auth-token")
    assert token is not None
    signed_out = await call(auth, "POST", "/sign-out", headers=[authorization(token)])
    assert signed_out.status == 200
    assert "Max-Age=0" in signed_out.set_cookies[SESSION_COOKIE]
    assert signed_out.header("set-auth-token") is None
    after = await call(auth, "GET", "/get-session", headers=[authorization(token)])
    assert after.json_body() is None


async def test_refreshed_session_hands_out_its_token_again() -> None:
    now = [utcnow()]
    auth = make_auth(plugins=[bearer()], clock=lambda: now[0], session={"update_age": 60})
    token = (await sign_up(auth)).header("set-auth-token")
    assert token is not None
    now[0] += timedelta(seconds=120)  # past update_age: get-session slides the expiry and re-sets the cookie
    response = await call(auth, "GET", "/get-session", headers=[authorization(token)])
    assert response.json_body() is not None
    assert response.header("set-auth-token") == token


async def test_direct_api_calls_accept_bearer_and_expose_the_token() -> None:
    auth = bearer_auth()
    token = (await sign_up(auth)).header("set-auth-token")
    assert token is not None
    data = await auth.api.get_session(headers={"authorization": f"Bearer {token}"})
    assert data["user"]["email"] == "alice@example.com"
    response = await auth.api.sign_in_email(
        body={"email": "alice@example.com", "password": PASSWORD}, as_response=True
    )
    assert response.header("set-auth-token") == cookie_value(response)
    assert response.header("access-control-expose-headers") == "set-auth-token"


async def test_integration_session_lookup_honours_bearer() -> None:
    auth = bearer_auth()
    token = (await sign_up(auth)).header("set-auth-token")
    assert token is not None
    data, _ = await auth.resolve_session([("authorization", f"Bearer {token}")])
    assert data is not None and data.user["email"] == "alice@example.com"


async def test_the_reference_servers_bearer_header_is_accepted() -> None:
    """The exact ``Authorization`` header from the Better Auth wire examples, with the reference secret."""
    auth = Tessera(secret="ba-ref-benchmark-secret-0123456789abcdef0123456789abcdef", plugins=[bearer()])
    store = auth.context.store
    user = await store.create_user({"name": "Alice", "email": "alice@example.com", "emailVerified": False})
    await store.create_session(
        user["id"], "Q5uRVbVm1zokRwAdLHEgXKnSl4BSpFKC",
        expires_at=auth.context.now() + timedelta(days=7), ip_address="", user_agent="",
    )
    header = "Bearer Q5uRVbVm1zokRwAdLHEgXKnSl4BSpFKC.PFyVv77LNLW4LwrfiOkmUTAzcQdOjRcp3VCotCbvhFQ="
    data = await auth.api.get_session(headers={"authorization": header})
    assert data["session"]["token"] == "Q5uRVbVm1zokRwAdLHEgXKnSl4BSpFKC"


def test_bearer_is_built_on_the_public_plugin_surface_only() -> None:
    """The point of bearer: an application could have written it. No private names, no private modules."""
    package = Path(bearer_package.__file__).parent
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if module == "__future__":
                    continue
                assert not any(part.startswith("_") for part in module.split(".")), (source.name, module)
                assert not any(alias.name.startswith("_") for alias in node.names), (source.name, module)
            if isinstance(node, ast.Attribute):
                assert not node.attr.startswith("_"), (source.name, node.attr)


@pytest.mark.parametrize("header", ["Bearer a%00b", "Bearer %00", "Bearer tok%00.sig"])
async def test_a_token_with_an_encoded_nul_is_no_credential(header: str) -> None:
    # an unsigned token is looked up as sent: PostgreSQL fails a statement comparing a NUL (it was a 500)
    assert bearer_credential(header) is None
    r = await call(bearer_auth(), "GET", "/get-session", headers=[("authorization", header)])
    assert (r.status, r.body) == (200, b"null")
