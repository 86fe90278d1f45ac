"""``/siwe/nonce`` and ``/siwe/verify`` as a wallet user sees them: a nonce signs in once, on the configured
domain only, for the wallet that signed; the wallet's user is created once and found again after."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tessera.errors import ConfigError
from tessera.plugins.siwe import parse_siwe_message, siwe, to_checksum_address

from .conftest import ALICE, ALICE_CHECKSUM, BOB, DOMAIN, MakeWorld, message, signature


async def test_first_sign_in_creates_the_wallet_user_and_a_session(make_world: MakeWorld) -> None:
    world = await make_world()
    browser = world.client()
    r = await world.sign_in(client=browser)
    assert r.status == 200, r.json_body()
    body = r.json_body()
    assert body["success"] is True and body["token"]
    assert body["user"]["walletAddress"] == ALICE_CHECKSUM and body["user"]["chainId"] == 1
    session = (await browser.get("/get-session")).json_body()
    assert session["user"]["id"] == body["user"]["id"]
    assert session["user"]["email"] == f"{ALICE}@siwe.placeholder.invalid"
    assert session["user"]["name"] == ALICE_CHECKSUM
    [wallet] = await world.rows("walletAddress")
    assert (wallet["address"], wallet["chainId"], wallet["isPrimary"]) == (ALICE_CHECKSUM, 1, True)
    [account] = await world.rows("account", userId=body["user"]["id"])
    assert (account["providerId"], account["accountId"]) == ("siwe", f"{ALICE_CHECKSUM}:1")
    # the application was asked about the checksummed address and the chain
    assert world.verified[-1]["address"] == ALICE_CHECKSUM and world.verified[-1]["chain_id"] == 1
    assert world.verified[-1]["cacao"]["p"]["nonce"]


async def test_the_same_wallet_signs_in_to_the_same_user_and_a_new_chain_links(make_world: MakeWorld) -> None:
    world = await make_world()
    first = (await world.sign_in()).json_body()["user"]["id"]
    again = await world.sign_in(ALICE.upper().replace("0X", "0x"))
    assert again.json_body()["user"]["id"] == first
    other_chain = await world.sign_in(chain_id=137)
    assert other_chain.status == 200 and other_chain.json_body()["user"]["id"] == first
    wallets = await world.rows("walletAddress", userId=first)
    assert sorted((w["chainId"], w["isPrimary"]) for w in wallets) == [(1, True), (137, False)]
    assert len(await world.rows("user")) == 1


async def test_a_nonce_signs_in_once(make_world: MakeWorld) -> None:
    world = await make_world()
    nonce = await world.nonce()
    body = {"message": message(ALICE, nonce), "signature": signature(ALICE)}
    assert (await world.client().post("/siwe/verify", body)).status == 200
    r = await world.client().post("/siwe/verify", body)
    assert (r.status, r.json_body()) == (401, {"message": "Unauthorized: Invalid or expired nonce", "status": 401,
                                               "code": "UNAUTHORIZED_INVALID_OR_EXPIRED_NONCE"})


async def test_concurrent_replays_of_one_message_sign_in_once(make_world: MakeWorld) -> None:
    world = await make_world()
    nonce = await world.nonce()
    body = {"message": message(ALICE, nonce), "signature": signature(ALICE)}
    answers = await asyncio.gather(*(world.client().post("/siwe/verify", body) for _ in range(5)))
    assert sorted(r.status for r in answers) == [200, 401, 401, 401, 401]


async def test_an_unissued_nonce_is_refused(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    r = await world.client().post("/siwe/verify", {"message": message(ALICE, "neverissued1"),
                                                   "signature": signature(ALICE)})
    assert (r.status, r.json_body()["code"]) == (401, "UNAUTHORIZED_INVALID_OR_EXPIRED_NONCE")


async def test_the_alias_path_issues_nonces_too(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    r = await world.client().post("/siwe/get-nonce")
    assert r.status == 200 and len(r.json_body()["nonce"]) >= 8


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"domain": "evil.example"}, "UNAUTHORIZED_SIWE_MESSAGE_MISMATCH"),
    ({"chain_id": 0}, "UNAUTHORIZED_SIWE_MESSAGE_MISMATCH"),
    ({"chain_id": "one"}, "UNAUTHORIZED_SIWE_MESSAGE_MISMATCH"),
    ({"address": "0x1234"}, "UNAUTHORIZED_SIWE_MESSAGE_MISMATCH"),
    ({"extra": "\nExpiration Time: 2000-01-01T00:00:00Z"}, "UNAUTHORIZED_SIWE_MESSAGE_EXPIRED"),
    ({"extra": "\nNot Before: 2999-01-01T00:00:00Z"}, "UNAUTHORIZED_SIWE_MESSAGE_NOT_YET_VALID"),
])
async def test_a_message_for_another_domain_chain_or_time_is_refused(
    make_memory_world: MakeWorld, kwargs: dict[str, Any], code: str
) -> None:
    world = await make_memory_world()
    r = await world.sign_in(**kwargs)
    assert (r.status, r.json_body()["code"]) == (401, code)
    assert await world.rows("user") == []


async def test_the_domain_compares_without_scheme_path_or_case(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(domain="https://Example.com/app")
    assert (await world.sign_in(domain="EXAMPLE.com")).status == 200


async def test_a_bad_signature_is_refused_and_burns_the_nonce(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world()
    nonce = await world.nonce()
    text = message(ALICE, nonce)
    r = await world.client().post("/siwe/verify", {"message": text, "signature": signature(BOB)})
    assert (r.status, r.json_body()) == (401, {"message": "Unauthorized: Invalid SIWE signature", "status": 401})
    r = await world.client().post("/siwe/verify", {"message": text, "signature": signature(ALICE)})
    assert r.json_body()["code"] == "UNAUTHORIZED_INVALID_OR_EXPIRED_NONCE"


@pytest.mark.parametrize("answer", ["yes", 1, None, {"ok": True}])
async def test_only_true_from_verify_message_is_a_valid_signature(make_memory_world: MakeWorld, answer: Any) -> None:
    world = await make_memory_world(verify_message=lambda **_: answer)
    r = await world.sign_in()
    assert r.status == 401 and await world.rows("session") == []


async def test_a_failing_verify_message_is_a_refusal_not_a_500(make_memory_world: MakeWorld) -> None:
    def boom(**_: Any) -> bool:
        raise RuntimeError("rpc down")

    world = await make_memory_world(verify_message=boom)
    r = await world.sign_in()
    assert (r.status, r.json_body()) == (401, {"message": "Something went wrong. Please try again later.",
                                               "status": 401})


async def test_get_nonce_must_return_an_erc4361_nonce(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(get_nonce=lambda: "short")
    r = await world.client().post("/siwe/nonce")
    assert (r.status, r.json_body()["code"]) == (500, "SIWE_INVALID_NONCE")


async def test_email_is_required_when_not_anonymous_and_used_when_free(make_world: MakeWorld) -> None:
    world = await make_world(anonymous=False)
    r = await world.sign_in()
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")
    browser = world.client()
    assert (await world.sign_in(client=browser, email="Alice@Example.com")).status == 200
    assert (await browser.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"
    # taken by alice's wallet: bob's wallet keeps its own address, never alice's account
    bob = world.client()
    r = await world.sign_in(BOB, client=bob, email="alice@example.com")
    assert r.status == 200
    user = (await bob.get("/get-session")).json_body()["user"]
    assert user["email"].endswith("@siwe.placeholder.invalid") and len(await world.rows("user")) == 2


async def test_email_domain_name_and_ens_lookup_shape_the_new_user(make_memory_world: MakeWorld) -> None:
    world = await make_memory_world(email_domain_name="wallets.example",
                                    ens_lookup=lambda wallet_address: {"name": "alice.eth", "avatar": "https://a/i"})
    browser = world.client()
    assert (await world.sign_in(client=browser)).status == 200
    user = (await browser.get("/get-session")).json_body()["user"]
    assert (user["email"], user["name"], user["image"]) == (f"{ALICE}@wallets.example", "alice.eth",
                                                            "https://a/i")


@pytest.mark.parametrize("body", [{}, {"message": "", "signature": "x"}, {"message": "m", "signature": 1},
                                  {"message": "m", "signature": "s", "other": 1}, {"message": "m", "signature": "s",
                                                                                    "email": "nope"}])
async def test_a_malformed_body_is_a_validation_error(make_memory_world: MakeWorld, body: dict[str, Any]) -> None:
    world = await make_memory_world()
    r = await world.client().post("/siwe/verify", body)
    assert (r.status, r.json_body()["code"]) == (400, "VALIDATION_ERROR")


def test_options_are_checked_when_built() -> None:
    with pytest.raises(ConfigError):
        siwe(get_nonce=lambda: "x", verify_message=lambda **_: True)
    with pytest.raises(ConfigError):
        siwe(domain=DOMAIN, verify_message=lambda **_: True)
    with pytest.raises(ConfigError):
        siwe(domain=DOMAIN, get_nonce=lambda: "x", verify_message=lambda **_: True, schema={"user": {}})


def test_messages_parse_as_better_auth_parses_them() -> None:
    parsed = parse_siwe_message(message(ALICE, "abcdefgh12", domain="https://example.com:8443",
                                        extra="\r\nRequest ID: r1"))
    assert (parsed.scheme, parsed.domain, parsed.address, parsed.chain_id, parsed.nonce, parsed.request_id) == (
        "https", "example.com:8443", ALICE, 1, "abcdefgh12", "r1")
    assert parse_siwe_message("garbage").domain is None
    assert to_checksum_address(ALICE) == ALICE_CHECKSUM


async def test_concurrent_first_sign_ins_of_one_wallet_make_one_user(make_world: MakeWorld) -> None:
    world = await make_world()
    answers = await asyncio.gather(*(world.sign_in() for _ in range(4)))
    assert [r.status for r in answers] == [200] * 4
    assert len({r.json_body()["user"]["id"] for r in answers}) == 1
    assert len(await world.rows("user")) == 1 and len(await world.rows("walletAddress")) == 1


@pytest.mark.parametrize("chain_id", ["1e3", "0x89", "1.0"])
async def test_chain_ids_read_as_javascript_numbers(make_memory_world: MakeWorld, chain_id: str) -> None:
    world = await make_memory_world()
    r = await world.sign_in(chain_id=chain_id)
    assert r.status == 200 and r.json_body()["user"]["chainId"] == {"1e3": 1000, "0x89": 137, "1.0": 1}[chain_id]


async def test_a_chain_id_beyond_the_column_is_refused_with_nothing_written(make_world: MakeWorld) -> None:
    world = await make_world()
    r = await world.sign_in(chain_id=2**40)
    if r.status != 200:  # the memory adapter stores any integer; a SQL integer column cannot
        assert 400 <= r.status < 500
        assert await world.rows("user") == [] and await world.rows("account") == []


async def test_renamed_columns_are_used(make_world: MakeWorld) -> None:
    world = await make_world(schema={"walletAddress": {"fields": {"address": "wallet_address",
                                                                  "chainId": "chain_id"}}})
    assert (await world.sign_in()).status == 200
    assert (await world.sign_in()).status == 200
    [wallet] = await world.rows("walletAddress")
    assert wallet["address"] == ALICE_CHECKSUM
