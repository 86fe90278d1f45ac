"""Differential cases with the one-tap plugin on both servers (Better Auth's ``oneTap({clientId})``, tessera's
``one_tap(client_id=…)``), Google's key endpoint answered on both sides from the test's own RSA key
(``$ONE_TAP_JWKS``): sign-up with an ID token, sign-in again, linking refused without verified addresses, and the
ID-token refusals — statuses, body shapes and cookies."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conformance_pair import ALLOWED, Pair, Side, jar_from, plugin_pair

from tessera.jwt import KeySet, encode, generate_jwk

CALLBACK = "/one-tap/callback"
CLIENT_ID = "one-tap-conformance"
KEY = generate_jwk("RS256", kid="conformance-google")

_NO_STORE = (
    "tessera marks every one-tap answer Cache-Control: no-store (and Pragma: no-cache): a success holds the "
    "session's bearer token (ASVS v5.0.0-14.3.2); Better Auth sets neither"
)
_CODE = (
    "Better Auth answers this refusal with a message only; tessera answers the same status and message and adds "
    "a stable code"
)
_LINK_CODE = "tessera's refused sign-in carries the core's OAUTH_LINK_ERROR code next to Better Auth's message"


def _no_store(*steps: int) -> dict[str, str]:
    return {f"{i}.header:{h}": _NO_STORE for i in steps for h in ("cache-control", "pragma")}


# this module's deliberate differences, kept here rather than in the shared table
ALLOWED.update({
    "one-tap: sign up, sign in, refusals": {
        **_no_store(0, 1, 3, 4, 5, 6, 7, 8, 9), **{f"{i}.body": _CODE for i in range(3, 9)},
    },
    "one-tap: no link without verified addresses": {
        **_no_store(1, 2), **{f"{i}.body": _LINK_CODE for i in (1, 2)},
    },
})


@pytest.fixture(scope="session")
def one_tap_pair(
    reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pair]:
    saved = os.environ.get("ONE_TAP_JWKS")
    os.environ["ONE_TAP_JWKS"] = json.dumps(KeySet([KEY.public]).to_dict())
    try:
        with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "oneTap") as (p, _):
            yield p
    finally:
        if saved is None:
            os.environ.pop("ONE_TAP_JWKS", None)
        else:
            os.environ["ONE_TAP_JWKS"] = saved


def id_token(key: Any = KEY, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": "https://accounts.google.com", "azp": CLIENT_ID, "aud": CLIENT_ID, "sub": "conformance-sub",
               "email_verified": True, "name": "Tap", "iat": now, "exp": now + 3600, **claims}
    return encode({k: v for k, v in payload.items() if v is not None}, key)


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def test_one_tap_sign_up_sign_in_and_refusals(one_tap_pair: Pair) -> None:
    email = one_tap_pair.email("tap")
    sub = f"sub-{email}"
    now = int(time.time())
    good = id_token(email=email, sub=sub)

    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, CALLBACK, {"idToken": good})]
        out.append(post(s, CALLBACK, {"idToken": id_token(email=email.upper(), sub=sub)}))  # signs in again
        out.append(s.get("/get-session", jar=jar_from(out[1])))
        for bad in (
            id_token(email=email, sub=sub, aud="someone-else", azp=None),
            id_token(email=email, sub=sub, iss="https://evil.example"),
            id_token(email=email, sub=sub, iat=now - 7200, exp=now - 3600),
            id_token(generate_jwk("RS256", kid="conformance-google"), email=email, sub=sub),
            "not-a-jwt",
            id_token(email=None, sub=sub),
        ):
            out.append(post(s, CALLBACK, {"idToken": bad}))
        out.append(post(s, CALLBACK, {}))
        return out

    one_tap_pair.check("one-tap: sign up, sign in, refusals", scenario)


def test_one_tap_does_not_link_unverified_addresses(one_tap_pair: Pair) -> None:
    email = one_tap_pair.email("link")

    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, "/sign-up/email", {"email": email, "password": "correct-horse-battery", "name": "Local"})]
        # the local address is unverified: Google's identity must not join that account
        out.append(post(s, CALLBACK, {"idToken": id_token(email=email, sub=f"a-{email}")}))
        # nor may Google's unverified address
        out.append(post(s, CALLBACK, {"idToken": id_token(email=email, sub=f"b-{email}", email_verified=False)}))
        return out

    one_tap_pair.check("one-tap: no link without verified addresses", scenario)
