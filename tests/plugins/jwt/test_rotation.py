"""Rotation: the next key is published before it signs; the previous one stays until its tokens expire;
other instances learn about it without a redeploy."""

from __future__ import annotations

import asyncio

import pytest

from tessera.adapters.memory import MemoryAdapter
from tessera.jwt import KeySet, Verifier, decode_unverified
from tessera.plugins.jwt import jwt
from tests._tokens import BASE, Clock, make_auth

# publish lead = max_age 60 + reload 10 + 30 = 100 s; a key signs for 1000 s
OPTIONS = {"rotation_interval": 1000, "max_age": 60, "reload_interval": 10, "grace_period": 3600}


def instance(adapter: MemoryAdapter, clock: Clock, **jwks: object):  # type: ignore[no-untyped-def]
    return make_auth(database=adapter, clock=clock, plugins=[jwt(jwks={**OPTIONS, **jwks})])


async def kid_of(auth) -> str:  # type: ignore[no-untyped-def]
    token = (await auth.api.sign_jwt(body={"payload": {"sub": "u"}}))["token"]
    return decode_unverified(token)[0]["kid"]  # type: ignore[no-any-return]


async def published(auth) -> list[str]:  # type: ignore[no-untyped-def]
    return [k["kid"] for k in (await auth.api.get_jwks(as_response=True)).json_body()["keys"]]


async def test_publish_before_sign_and_keep_until_tokens_expire() -> None:
    adapter, clock = MemoryAdapter(), Clock()
    auth = instance(adapter, clock)
    manager = auth.plugin("jwt").manager
    k1 = await kid_of(auth)
    (row,) = adapter.tables["jwks"].values()
    assert (row["expiresAt"] - row["createdAt"]).total_seconds() == 1100

    clock.advance(999)
    assert not await manager.rotate_if_due()
    clock.advance(1)  # 100 s before K1 stops: K2 is published, K1 still signs
    assert await manager.rotate_if_due()
    keys = await published(auth)
    k2 = keys[0]
    assert keys == [k2, k1] and await kid_of(auth) == k1
    # a verifier caching this JWKS now will know K2 before it ever signs
    cached = Verifier(issuer=BASE, audience=BASE, algorithms=["EdDSA"], clock=clock.timestamp,
                      keys=(await auth.api.get_jwks(as_response=True)).body)
    old_token = (await auth.api.sign_jwt(body={"payload": {"sub": "u"}}))["token"]

    clock.advance(100)  # K1 expired; K2 has been public for the whole lead: it signs
    new_token = (await auth.api.sign_jwt(body={"payload": {"sub": "u"}}))["token"]
    assert decode_unverified(new_token)[0]["kid"] == k2
    assert await cached.verify(new_token) and await cached.verify(old_token)
    assert await published(auth) == [k2, k1]  # K1 stays for the grace period
    assert not await manager.rotate_if_due()

    clock.advance(3600)
    await manager.reload()
    assert k1 not in await published(auth)


async def test_other_instances_learn_about_a_rotation_in_the_background() -> None:
    adapter, clock = MemoryAdapter(), Clock()
    a = instance(adapter, clock)
    b = instance(adapter, clock, reload_interval=0.05)
    k1 = await kid_of(a)
    assert await kid_of(b) == k1  # B loaded A's key
    await b.startup()
    try:
        clock.advance(1000)
        assert await a.plugin("jwt").manager.rotate_if_due()
        k2 = (await published(a))[0]
        for _ in range(100):
            if k2 in await published(b):
                break
            await asyncio.sleep(0.02)
        assert await published(b) == [k2, k1]  # no redeploy, no request needed
        clock.advance(100)
        assert await kid_of(b) == k2
    finally:
        await b.shutdown()


async def test_verify_reloads_on_unknown_kid_with_a_cooldown() -> None:
    adapter, clock = MemoryAdapter(), Clock()
    a, b = instance(adapter, clock), instance(adapter, clock)
    await kid_of(a)
    await kid_of(b)
    clock.advance(1000)
    await a.plugin("jwt").manager.rotate_if_due()
    clock.advance(100)
    token = (await a.api.sign_jwt(body={"payload": {"sub": "u"}}))["token"]
    adapter.operations.clear()
    assert (await b.api.verify_jwt(body={"token": token}))["payload"]  # one reload
    assert adapter.operations == ["find_many jwks"]
    adapter.operations.clear()
    forged = token.replace(token.split(".")[0], _header_with_kid("made-up"))
    for _ in range(5):
        assert (await b.api.verify_jwt(body={"token": forged}))["payload"] is None
    assert adapter.operations == []  # within the cooldown: no reload
    clock.advance(11)
    assert (await b.api.verify_jwt(body={"token": forged}))["payload"] is None
    assert adapter.operations == ["find_many jwks"]


def _header_with_kid(kid: str) -> str:
    import json

    from tessera.jwt.jwk import b64url_encode

    return b64url_encode(json.dumps({"alg": "EdDSA", "kid": kid}).encode())


async def test_a_lost_race_leaves_two_published_keys_and_nothing_breaks() -> None:
    adapter, clock = MemoryAdapter(), Clock()
    a, b = instance(adapter, clock), instance(adapter, clock)
    await kid_of(a)
    await kid_of(b)
    clock.advance(1000)
    assert await a.plugin("jwt").manager.rotate_if_due()
    assert await b.plugin("jwt").manager.rotate_if_due()  # B had not seen A's key yet
    await a.plugin("jwt").manager.reload()
    await b.plugin("jwt").manager.reload()
    assert len(await published(a)) == 3
    clock.advance(100)
    jwks = KeySet.from_jwks((await a.api.get_jwks(as_response=True)).body)
    verifier = Verifier(issuer=BASE, audience=BASE, algorithms=["EdDSA"], keys=jwks, clock=clock.timestamp)
    for auth in (a, b):
        assert await verifier.verify((await auth.api.sign_jwt(body={"payload": {"sub": "u"}}))["token"])
    assert await kid_of(a) == await kid_of(b)  # both converge on the newest


@pytest.mark.parametrize("interval", [None])
async def test_without_rotation_keys_never_expire(interval: None) -> None:
    adapter, clock = MemoryAdapter(), Clock()
    auth = make_auth(database=adapter, clock=clock, plugins=[jwt()])
    k1 = await kid_of(auth)
    clock.advance(10 * 365 * 86400)
    assert await kid_of(auth) == k1 and not await auth.plugin("jwt").manager.rotate_if_due()
