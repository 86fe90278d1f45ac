"""The cookie cache: Better Auth byte compatibility, zero I/O on a hit, rejection rules, re-issue, chunking."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from tessera import Field
from tessera.crypto.signing import Signer
from tessera.session.cookie_cache import CompactStrategy
from tests._helpers import SECRET, Client, make_auth

# Captured from Better Auth 1.7.24 (COOKIE_CACHE=1, strategy "compact") with its public benchmark secret.
BA_SECRET = "ba-ref-benchmark-secret-0123456789abcdef0123456789abcdef"
BA_TOKEN_COOKIE = "PObUrWRbyQ7LCkUG2RSaNOtmEhuB6bnI.PAAFQoc7rkLeFkr13UZdVjB9eXplVyKAmskVBSxwFwk%3D"
BA_SESSION_DATA = (
    "eyJzZXNzaW9uIjp7InNlc3Npb24iOnsiZXhwaXJlc0F0IjoiMjAyNi0xMS0zMFQxNToxNjowNy41NzJaIiwidG9rZW4iOiJQT2JVcldSYnlR"
    "N0xDa1VHMlJTYU5PdG1FaHVCNmJuSSIsImNyZWF0ZWRBdCI6IjIwMjYtMTEtMjNUMTU6MTY6MDcuNTc0WiIsInVwZGF0ZWRBdCI6IjIwMjYt"
    "MTEtMjNUMTU6MTY6MDcuNTc0WiIsImlwQWRkcmVzcyI6IiIsInVzZXJBZ2VudCI6IiIsInVzZXJJZCI6InZTbUI3ZXg1enA4T2ZyVDdRZnJQ"
    "UDR1aFRZUHRwNEtlIiwiYWN0aXZlT3JnYW5pemF0aW9uSWQiOm51bGwsImltcGVyc29uYXRlZEJ5IjpudWxsLCJpZCI6IjB2cHlkVTNyRENQ"
    "aFNEUDZXdWtMMXBMNE83bFRDeUp1In0sInVzZXIiOnsibmFtZSI6IkFsaWNlIiwiZW1haWwiOiJhbGljZUBleGFtcGxlLmNvbSIsImVtYWls"
    "VmVyaWZpZWQiOmZhbHNlLCJpbWFnZSI6bnVsbCwiY3JlYXRlZEF0IjoiMjAyNi0xMS0yM1QxNToxNjowNi4xNDdaIiwidXBkYXRlZEF0Ijoi"
    "MjAyNi0xMS0yM1QxNToxNjowNi4xNDdaIiwidHdvRmFjdG9yRW5hYmxlZCI6ZmFsc2UsInJvbGUiOiJ1c2VyIiwiYmFubmVkIjpmYWxzZSwi"
    "YmFuUmVhc29uIjpudWxsLCJiYW5FeHBpcmVzIjpudWxsLCJpZCI6InZTbUI3ZXg1enA4T2ZyVDdRZnJQUDR1aFRZUHRwNEtlIn0sInVwZGF0"
    "ZWRBdCI6MTc5NTQ0Njk2NzU4OSwidmVyc2lvbiI6IjEifSwiZXhwaXJlc0F0IjoxNzk1NDQ3MjY3NTg5LCJzaWduYXR1cmUiOiJodkFhd0N4"
    "MHlWRkRLaksxbzItN2FGdk5IU0lObWwxX3hhWGYzQ3AxZjJNIn0"
)
BA_ISSUED = datetime(2026, 11, 23, 15, 16, 7, 589000, tzinfo=UTC)

TOKEN = "better-auth.session_token"
DATA = "better-auth.session_data"


class Clock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def js(obj: Any) -> str:
    """``JSON.stringify`` (no whitespace, insertion order, non-ASCII kept)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def ba_compact(secret: str, payload: dict[str, Any], expires_at: int) -> str:
    """Better Auth's compact cache cookie, built from its documented algorithm (not tessera's code)."""
    signed = js({**payload, "expiresAt": expires_at}).encode()
    signature = b64url(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    return b64url(js({"session": payload, "expiresAt": expires_at, "signature": signature}).encode())


def signed_token(secret: str, token: str) -> str:
    sig = base64.b64encode(hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()).decode()
    return quote(f"{token}.{sig}", safe="")


def cached(*, cookie_cache: dict[str, Any] | None = None, options: dict[str, Any] | None = None,
           **session: Any) -> Any:
    return make_auth(session={"cookie_cache": {"enabled": True, **(cookie_cache or {})}, **session}, **(options or {}))


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000 + 0.5)


# -- byte compatibility --------------------------------------------------------------------------------------


def test_better_auth_cookie_verifies_over_the_bytes_received() -> None:
    decoded = CompactStrategy(Signer(BA_SECRET), BA_SECRET).decode(BA_SESSION_DATA)
    assert decoded is not None
    assert decoded.expires_ms == 1795447267589
    assert decoded.claims["session"]["token"] == "PObUrWRbyQ7LCkUG2RSaNOtmEhuB6bnI"
    assert decoded.claims["user"]["email"] == "alice@example.com"
    assert decoded.claims["updatedAt"] == 1795446967589 and decoded.claims["version"] == "1"
    assert CompactStrategy(Signer(SECRET), SECRET).decode(BA_SESSION_DATA) is None  # another secret


async def test_better_auth_cache_cookie_is_served_without_any_store_access() -> None:
    auth = make_auth(secret=BA_SECRET, clock=Clock(BA_ISSUED + timedelta(seconds=1)),
                     session={"cookie_cache": {"enabled": True}})
    client = Client(auth)
    client.cookies = {TOKEN: BA_TOKEN_COOKIE, DATA: BA_SESSION_DATA}
    r = await client.get("/get-session")
    body = r.json_body()
    assert body["session"]["id"] == "0vpydU3rDCPhSDP6WukL1pL4O7lTCyJu"
    assert body["user"]["role"] == "user"  # fields tessera does not know travel through untouched
    assert auth.adapter.operations == []  # the database is empty: the answer came from the cookie alone
    assert not r.set_cookies


async def test_tessera_compact_cookie_verifies_the_way_better_auth_verifies_it() -> None:
    client = Client(cached())
    await client.sign_up(name="Zoë 東京")  # non-ASCII must be signed as UTF-8 JSON, as JavaScript does
    outer = json.loads(base64.urlsafe_b64decode(client.cookies[DATA] + "=" * (-len(client.cookies[DATA]) % 4)))
    assert list(outer) == ["session", "expiresAt", "signature"]
    payload = outer["session"]
    assert list(payload) == ["session", "user", "updatedAt", "version"] and payload["version"] == "1"
    # Better Auth re-serialises the parsed payload and HMACs it: our bytes must survive that round trip
    resigned = js({**payload, "expiresAt": outer["expiresAt"]}).encode()
    assert b64url(hmac.new(SECRET.encode(), resigned, hashlib.sha256).digest()) == outer["signature"]
    assert outer["expiresAt"] - payload["updatedAt"] == 300_000


async def test_a_cookie_built_by_the_documented_algorithm_is_accepted() -> None:
    clock = Clock()
    auth = cached(options={"clock": clock})
    client = Client(auth)
    await client.sign_up()
    token = client.cookies[TOKEN].split(".")[0]
    session = (await client.get("/get-session", query="disableCookieCache=true")).json_body()
    forged_name = dict(session["user"], name="From Node")
    payload = {"session": session["session"], "user": forged_name, "updatedAt": ms(clock.now), "version": "1"}
    other = Client(auth)
    other.cookies = {TOKEN: signed_token(SECRET, token), DATA: ba_compact(SECRET, payload, ms(clock.now) + 300_000)}
    before = len(auth.adapter.operations)
    assert (await other.get("/get-session")).json_body()["user"]["name"] == "From Node"
    assert auth.adapter.operations[before:] == []


async def test_jwt_strategy_is_hs256_with_the_raw_secret() -> None:
    jwt = pytest.importorskip("joserfc.jwt")
    from joserfc.jwk import OctKey

    client = Client(cached(cookie_cache={"strategy": "jwt"}))
    await client.sign_up()
    key = OctKey.import_key(SECRET.encode())
    token = jwt.decode(client.cookies[DATA], key, algorithms=["HS256"])
    assert token.header == {"alg": "HS256"}
    assert list(token.claims) == ["session", "user", "updatedAt", "version", "iat", "exp"]
    assert token.claims["exp"] - token.claims["iat"] == 300
    # and one minted elsewhere (jose-style) is accepted
    claims = {k: v for k, v in token.claims.items()}
    claims["user"] = dict(claims["user"], name="Minted by jose")
    client.cookies[DATA] = jwt.encode({"alg": "HS256"}, claims, key)
    assert (await client.get("/get-session")).json_body()["user"]["name"] == "Minted by jose"


async def test_jwe_strategy_is_dir_a256cbc_hs512_with_the_hkdf_key_and_thumbprint_kid() -> None:
    pytest.importorskip("joserfc")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from joserfc import jwe
    from joserfc.jwk import OctKey

    client = Client(cached(cookie_cache={"strategy": "jwe"}))
    await client.sign_up()
    raw_key = HKDF(hashes.SHA256(), 64, b"better-auth-session", b"BetterAuth.js Generated Encryption Key").derive(
        SECRET.encode()
    )
    key = OctKey.import_key(raw_key)
    result = jwe.decrypt_compact(client.cookies[DATA], key)
    assert result.protected == {"alg": "dir", "enc": "A256CBC-HS512", "kid": key.thumbprint()}
    claims = json.loads(result.plaintext)
    assert list(claims) == ["session", "user", "updatedAt", "version", "iat", "exp", "jti"]
    claims["user"]["name"] = "Encrypted by jose"
    client.cookies[DATA] = jwe.encrypt_compact(dict(result.protected), js(claims).encode(), key)
    assert (await client.get("/get-session")).json_body()["user"]["name"] == "Encrypted by jose"


# -- the hot path --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["compact", "jwt", "jwe"])
async def test_a_cache_hit_costs_no_store_operation(strategy: str) -> None:
    auth = cached(cookie_cache={"strategy": strategy})
    client = Client(auth)
    await client.sign_up()
    before = len(auth.adapter.operations)
    for _ in range(3):
        r = await client.get("/get-session")
        assert r.json_body()["user"]["email"] == "alice@example.com"
        assert not r.set_cookies
    await client.post("/update-user", {"name": "Alice B."})
    assert auth.adapter.operations[before:] == ["update user"]  # only the write itself


async def test_disable_cookie_cache_reads_the_store_and_refreshes_the_cookie() -> None:
    auth = cached()
    client = Client(auth)
    await client.sign_up()
    before = len(auth.adapter.operations)
    r = await client.get("/get-session", query="disableCookieCache=true")
    assert auth.adapter.operations[before:] == ["find_one session"]
    assert DATA in r.set_cookies and "Max-Age=300" in r.set_cookies[DATA]


async def test_sensitive_endpoints_never_trust_the_cache() -> None:
    auth = cached()
    client = Client(auth)
    await client.sign_up()
    before = len(auth.adapter.operations)
    await client.post("/revoke-other-sessions")
    assert auth.adapter.operations[before] == "find_one session"


# -- rejection ------------------------------------------------------------------------------------------------


async def _signed_in(clock: Clock, **cache: Any) -> tuple[Any, Client, dict[str, Any]]:
    auth = cached(cookie_cache=cache, options={"clock": clock})
    client = Client(auth)
    await client.sign_up()
    data = (await client.get("/get-session", query="disableCookieCache=true")).json_body()
    return auth, client, data


@pytest.mark.parametrize(
    "case",
    ["other-token", "version", "outer-expiry", "session-expired", "bad-signature", "garbage"],
)
async def test_a_cache_is_rejected_and_the_store_asked(case: str) -> None:
    clock = Clock()
    auth, client, data = await _signed_in(clock)
    now = ms(clock.now)
    session, user, version, expires = dict(data["session"]), data["user"], "1", now + 300_000
    if case == "other-token":
        session["token"] = "x" * 32
    elif case == "version":
        version = "2"
    elif case == "outer-expiry":
        expires = now - 1
    elif case == "session-expired":
        session["expiresAt"] = "2025-12-31T23:59:59.000Z"
    value = ba_compact(SECRET, {"session": session, "user": dict(user, name="cached"), "updatedAt": now,
                                "version": version}, expires)
    if case == "bad-signature":
        value = ba_compact("another-secret-0123456789abcdef0123456789", {"session": session, "user": user,
                           "updatedAt": now, "version": "1"}, expires)
    elif case == "garbage":
        value = "not-a-cookie"
    client.cookies[DATA] = value
    before = len(auth.adapter.operations)
    r = await client.get("/get-session")
    assert r.json_body()["user"]["name"] == "Alice"  # the store's answer, not the cookie's
    assert auth.adapter.operations[before:] == ["find_one session"]
    assert DATA in r.set_cookies  # replaced by a good one


async def test_a_version_bump_invalidates_every_cache() -> None:
    clock = Clock()
    auth = cached(cookie_cache={"version": lambda session, user: "2"}, options={"clock": clock})
    client = Client(auth)
    await client.sign_up()
    assert json.loads(base64.urlsafe_b64decode(client.cookies[DATA] + "==="))["session"]["version"] == "2"
    before = len(auth.adapter.operations)
    await client.get("/get-session")
    assert auth.adapter.operations[before:] == []


async def test_a_revoked_session_is_refused_and_never_reissued() -> None:
    auth = cached()
    phone, laptop = Client(auth), Client(auth)
    await phone.sign_up()
    await laptop.sign_in()
    laptop_cookies = dict(laptop.cookies)
    await laptop.post("/sign-out")
    thief = Client(auth)
    thief.cookies = laptop_cookies  # the cache cookie is still well signed and unexpired
    r = await thief.get("/get-session")
    assert r.body == b"null"
    assert "Max-Age=0" in r.set_cookies[DATA]
    assert (await phone.get("/get-session")).json_body() is not None


async def test_revoke_other_sessions_reaches_the_other_devices_caches() -> None:
    auth = cached()
    phone, laptop = Client(auth), Client(auth)
    await phone.sign_up()
    await laptop.sign_in()
    assert (await laptop.get("/get-session")).json_body() is not None
    await phone.post("/revoke-other-sessions")
    assert (await laptop.get("/get-session")).body == b"null"
    assert (await phone.get("/get-session")).json_body() is not None


# -- lifetime -------------------------------------------------------------------------------------------------


async def test_the_cache_is_reissued_before_it_expires() -> None:
    clock = Clock()
    auth = cached(options={"clock": clock})
    client = Client(auth)
    await client.sign_up()
    clock.now += timedelta(seconds=200)
    r = await client.get("/get-session")
    assert not r.set_cookies  # 100 s left: outside the last fifth
    clock.now += timedelta(seconds=45)
    r = await client.get("/get-session")  # 55 s left: re-issued (here via the store: no revocation feed)
    assert "Max-Age=300" in r.set_cookies[DATA]
    clock.now += timedelta(seconds=100)  # past the first cookie's expiry, well inside the new one's
    before = len(auth.adapter.operations)
    assert (await client.get("/get-session")).json_body() is not None
    assert auth.adapter.operations[before:] == []


async def test_a_cache_does_not_hold_back_the_sliding_expiry() -> None:
    clock = Clock()
    auth = cached(options={"clock": clock}, update_age=3600)
    client = Client(auth)
    await client.sign_up()
    first = (await client.get("/get-session")).json_body()["session"]["expiresAt"]
    for _ in range(13):  # an active user for more than update_age, cache re-issued along the way
        clock.now += timedelta(seconds=290)
        await client.get("/get-session")
    assert (await client.get("/get-session")).json_body()["session"]["expiresAt"] > first


async def test_disable_refresh_lets_the_cache_answer_even_when_a_slide_is_due() -> None:
    clock = Clock()
    auth = cached(options={"clock": clock}, update_age=60)
    client = Client(auth)
    await client.sign_up()
    clock.now += timedelta(seconds=61)  # the session is due to slide; the cache is still fresh
    before = len(auth.adapter.operations)
    assert (await client.get("/get-session", query="disableRefresh=true")).json_body() is not None
    assert auth.adapter.operations[before:] == []
    await client.get("/get-session")
    assert auth.adapter.operations[before:] == ["find_one session", "update session"]


async def test_dont_remember_caches_are_browser_session_cookies() -> None:
    auth = cached()
    await Client(auth).sign_up()
    client = Client(auth)
    r = await client.sign_in(rememberMe=False)
    assert "Max-Age" not in r.set_cookies[DATA]


async def test_sign_out_expires_the_cache_and_every_chunk() -> None:
    auth = cached(options={"user": {"additional_fields": [Field("bio", required=False)]}})
    client = Client(auth)
    await client.sign_up(bio="x" * 9000)
    chunks = sorted(n for n in client.cookies if n.startswith(DATA))
    assert len(chunks) >= 3 and chunks[0] == f"{DATA}.0" and DATA not in chunks
    r = await client.post("/sign-out")
    assert all("Max-Age=0" in r.set_cookies[n] for n in [DATA, *chunks])


async def test_large_caches_are_chunked_and_stale_chunks_expired() -> None:
    auth = cached(options={"user": {"additional_fields": [Field("bio", required=False)]}})
    client = Client(auth)
    r = await client.sign_up(bio="é" * 5000)
    assert all(len(h) <= 4050 for h in r.set_cookies.values())
    assert f"{DATA}.1" in client.cookies and DATA not in client.cookies
    before = len(auth.adapter.operations)
    assert (await client.get("/get-session")).json_body()["user"]["bio"] == "é" * 5000
    assert auth.adapter.operations[before:] == []
    r = await client.post("/update-user", {"bio": "short"})
    assert "Max-Age=0" in r.set_cookies[f"{DATA}.0"] and "Max-Age=0" in r.set_cookies[f"{DATA}.1"]
    assert "Max-Age=300" in r.set_cookies[DATA]
    assert sorted(n for n in client.cookies if n.startswith(DATA)) == [DATA]


async def test_a_chunk_cookie_numbered_with_a_non_ascii_digit_is_not_a_chunk() -> None:
    # "²".isdigit() but int("²") raises: a cookie named session_data.² with no whole cache was a 500
    auth = cached()
    client = Client(auth)
    await client.sign_up()
    del client.cookies[DATA]
    client.cookies[f"{DATA}.\u00b2"] = "x"
    r = await client.get("/get-session")
    assert (r.status, r.json_body()["user"]["email"]) == (200, "alice@example.com")
    r = await client.post("/sign-out")
    assert r.status == 200 and f"{DATA}.\u00b2" not in r.set_cookies
