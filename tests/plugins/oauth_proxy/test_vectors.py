"""The sealed hand-overs interoperate with Better Auth 1.7.24: values it sealed open here, and values sealed here
open there (``node tests/reference/node/oauth_proxy_vectors.mjs check``, run once by hand), for each purpose key
the plugin derives from the secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tessera.crypto.keyring import Keyring
from tessera.crypto.symmetric import symmetric_decrypt, symmetric_encrypt
from tessera.plugins.oauth_proxy.payload import PACKAGE, PROFILE, STATE, keyrings, read_payload

SECRET = "tessera-oauth-proxy-vector-secret-0123456789"
# ``node oauth_proxy_vectors.mjs make``
PLAINTEXT = "{\"userInfo\":{\"id\":\"sub-1\",\"email\":\"proxy@example.com\",\"name\":\"Proxy\",\"emailVerified\":true},\"profile\":{\"sub\":\"sub-1\",\"email\":\"proxy@example.com\"},\"scopes\":[\"openid\",\"email\"],\"account\":{\"accountId\":\"sub-1\",\"providerId\":\"idp\",\"accessToken\":\"at-1\",\"scope\":\"openid,email\",\"accessTokenExpiresAt\":\"2026-06-01T12:00:00.000Z\"},\"state\":\"ssssssssssssssssssssssssssssssss\",\"callbackURL\":\"/dashboard\",\"timestamp\":1780315200000}"
SEALED = {
    "oauth-proxy-package": (
        "4b0cb684af20cc8af138a520bc6a9630af36aa0df898120f759f3b549ad05705455f51209e663137dad33bae7c918c20e825"
        "30c3cf8eff527374246d22dde882c126e0e729435a40f3b40b7f81d8237b6684495f9d02558adf4409be158afedc5c66701f"
        "37f47d3aaa84428db4307dae87b661bb9530e2ead5f3d37915e286929092a9e7814de5e67dfc850eb9ee29bfc4cf28e7e8f4"
        "191bdc3207bdded60818d383a24c638077f4f217129167d2ffa34b4415f31f663b3b73e28420347faa4d8b7147f7aabda457"
        "875ff5cff2539df3c1eb7df01a15cb6826c042c8429ef0aa75a9a84db6e8b9f2ed447ab2cf9f90d092acf8ed666e2cb51093"
        "3bc5bd45a24023d80ae3b66c9ae9dfb7292e2271d77d09e580d1e8e758bfa5c9b4e35fccb239e8db278df3ce7f16589dc5c9"
        "93691a1ec874b67565871d6b08c3bdbf6e506254e1324173b0d1dddb8d44b2f28cf8a73f00e0f4182a266d7a16deaf8ade76"
        "1008729f92f9a7d975d3b5e98cda3430372fadbef6d7a297cf98ed18f7b1a631db9c60413b83a27798816b44e04b64dbbd61"
        "777878e46595b5373ac55bbd726010183de42a6cbd3d55d0b28cf4cc1b76df881e83022ed2187735daa57e960c192e4484ea"
        "8afe1032"
    ),
    "oauth-proxy-state": (
        "7ddefffba69d7e3edaebb297fbf1bf64424aa96168436694bb8320851964e1968d23ecf495275b9fadb0cd9e27c3c9e13856"
        "53806a27d8e7aa50079598c0b78b5c23250af8bb0d9cb969ca2df7761ae4ab50d28e094b4615bfb642869493555d708e8311"
        "6beb405a8b05e10ef40b07f0851ac36aa883bc507c932462bc2bd7a881d0ae1ef5bd63a72c7a5ffbdb61595659ffd6c8636a"
        "eee5e230bf4a5c9fba7a9b88f978aafae663a9f6ae4cc900fcfae149fb78163a1426ef67f1176a09d0baf407ef6eab53cdff"
        "997eef653cbf5a18f825ee35c420244adbb5ffac8e4dfc7d725b69dc7ae89dcbb159a09b7a544a93db4f8c88ba7bf0de5480"
        "2a29166cce1c45d8c08cc53f5cdeb1412b781efe2d6e7246d2f376f217de29afb7e308440e7b467a63217613294db22a7a9f"
        "5ae1884d109d31700b36cef8a00b4e0d66627f51b610423b4d6b5545e389668eca1acebd1e90702e8c5d082bde126179dff4"
        "35207bae38e27d4e5767aeeb0c205b89729a57dce678f636612461b753e2c1219fd376032cb3ac6d5c4e885183495b4546c3"
        "73804202b587593a41d190eb40a1eba49643faeb0369ad6ea3473802034c6d5e952fbcfc5fa4c1b421ab241bc08b8dda777e"
        "a37d752d"
    ),
    "oauth-proxy-profile": (
        "caf1075acff33e7f97c95ab2a8cb803e3665bacbd18573bd4ab9e549a0ab79380e908f2b6642d41cabf327f961bccc2d5fd7"
        "1ad1e1c521dfe0f60fe1f7f19b2d473c3e0086391d389f7467b11788cd8a87b760cf8b7ae7378034566ef9ba16418b54598c"
        "814e25ad86eff77e5044990e5f8a2491d3fd400fbf3efe29756c5f5e2edc7c58ee786f48185083b0131d28a18e42d02b2080"
        "5bfe9a7f2d536e7f8ca720a8344cdb922d4c69365692947cddc440aa3f0a1cc30e4d8604efc1e2cb1d853cd769e8bc81dc04"
        "65046c7cad9b637b33561b63cdcbe078d903bb33d33b306e417571b23cd711eeef8fbad7e1f573ae5309648ce07f2c963081"
        "6157fad128557c7610d81e791ca920c08ad957760e313879bc40133d81583fe7b965e1867a44868e738d62725472351e7c3f"
        "9656b9e8c8dc680c22ec5d1a8d30325259155b4731f5a0e781c89d8196ae53f6e24e880b5068c07b0e102915d35b3995cb70"
        "4bb4791edcdd20b03f3a7968f81237433e596b67b9550b7d5b1925f7bfe8307e42cc51e77647610aeee21b51aad1d6890198"
        "97126660f058acf59b7b8e2aacee19e2bd46fc3a9220dfa3abecc40c28b5b873883f6d77cb621b20747990b4fa261f823876"
        "e66cdd2d"
    ),
}


@pytest.mark.parametrize("purpose", [PACKAGE, STATE, PROFILE])
def test_values_better_auth_sealed_open_here(purpose: str) -> None:
    keys = keyrings(Keyring.single(SECRET))
    assert symmetric_decrypt(keys[purpose], "".join(SEALED[purpose])) == PLAINTEXT
    other = PACKAGE if purpose != PACKAGE else PROFILE
    with pytest.raises(ValueError):
        symmetric_decrypt(keys[other], "".join(SEALED[purpose]))  # one purpose's key opens nothing else


def test_better_auth_payload_reads_as_an_identity() -> None:
    info, tokens, data = read_payload(json.loads(PLAINTEXT))
    assert (info.id, info.email, info.email_verified, info.name) == ("sub-1", "proxy@example.com", True, "Proxy")
    assert tokens.access_token == "at-1" and tokens.scopes == ["openid", "email"]
    assert tokens.access_token_expires_at == datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert data["state"] == "s" * 32 and data["timestamp"] == 1780315200000


def test_values_sealed_here_are_what_better_auth_opens() -> None:
    # sealed here, Better Auth opened each (``node oauth_proxy_vectors.mjs check``, by hand); here, the round trip
    keys = keyrings(Keyring.single(SECRET))
    for purpose in (PACKAGE, STATE, PROFILE):
        sealed = symmetric_encrypt(keys[purpose], PLAINTEXT)
        assert symmetric_decrypt(keys[purpose], sealed) == PLAINTEXT
