"""Rows written by Better Auth 1.7.24's ``twoFactor()`` work in tessera, and tessera's in Better Auth.

The vectors come from ``node tests/reference/node/two_factor_vectors.mjs make``: a user enabled 2FA through
Better Auth's own ``enableTwoFactor`` (once with ``secret``, once with ``secrets: [{version: 2, …}]``); the
stored ``twoFactor`` row is printed next to what the user was shown. ``… check`` decrypted the tessera
ciphertexts below with Better Auth's ``symmetricDecrypt`` / ``getBackupCodes`` to the plaintexts next to them.
"""

from __future__ import annotations

from typing import Any

import pytest

from tessera.crypto.keyring import Keyring
from tessera.crypto.symmetric import symmetric_decrypt
from tessera.plugins.two_factor import decode_backup_codes, hotp, totp_uri, two_factor
from tessera.plugins.two_factor.challenge import trust_token
from tessera.plugins.two_factor.totp import secret_key
from tests._helpers import Client, make_auth

SECRET = "tessera-two-factor-secret-0123456789abcdef"
VERSIONED = "tessera-two-factor-v2-secret-fedcba9876543210"

BETTER_AUTH: dict[str, dict[str, Any]] = {
    "single": {
        "totpURI": "otpauth://totp/Tessera%20Interop:vector%40example.com?secret=L5WF6ZTGLJLHK532KQ4XGSSJNR2WWMKKK5"
                   "GGWQ3TLJJE6U3YMUZA&issuer=Tessera+Interop&digits=6&period=30",
        "backupCodes": ["LW9RE-QlAA4", "RUMQo-QwZ5w", "fEOm8-1bxl9", "CLjHS-ItMkz", "GA4OK-UgXx1", "oF8hS-7Y5U3",
                        "sM46G-WHUkt", "gDy5O-rWlh5", "sbRVY-ni6EC", "TntQE-04eOA"],
        "secret": "7e21180fab5c279e95744c335db8ee2974f3c62875098b0a356526ecec862119850e50abcd813bc431a735a36c3c1891"
                  "44de26ad89faf83021c0b371ea10c67ba9d6031944142d84",
        "storedBackupCodes": "75202d467e63bf7a9dc0735593d2c4cbe321bdea5ba8a36b57924b70afe22a887e068bc4a16b844d4363518a"
                             "7313680eee76481acb5bcc633dc9897350eed2af85645bb78a06d957beadf13da79972c4b5a809e55f10c7ac"
                             "cae701c9260643bf2488f22b529f5f91d6ea630eb8824df9f65c458a12c7bdfcb5cac897fdb2bd6ebbfc70d8"
                             "b6f60cd6fbe921e7a800935ffa1ae7aa6f30d3bb470ea1bb519b4567a70770093ea25c183fe88721770657c2"
                             "f4b7e93b3f",
        "plainSecret": "_l_ffZVuwzT9sJIluk1JWLkCsZROSxe2",
        "hotp0": "569658",
        "hotp1234567": "938654",
        "trustToken": "Adl8osbTFgkGTC9kkoLG2k_qo_-_NkhmA8Wh3gJe568",
    },
    "versioned": {
        "totpURI": "otpauth://totp/Tessera%20Interop:vector%40example.com?secret=JQ3UC42TJYYVEMTSMFITSND2MNCE6ZSFGR"
                   "RXS3RXGZJHI22WMM2A&issuer=Tessera+Interop&digits=6&period=30",
        "backupCodes": ["5gSUr-QJ8iO", "zS2ID-4AxyW", "A0OED-iV4T3", "prITg-8RJjy", "dnzF8-a8Vom", "xxeYi-VhiQt",
                        "TnwjR-3Mmdg", "bikEP-uHUiF", "Fo11S-0qv9m", "W4Coq-uWDKA"],
        "secret": "$ba$2$1a75e9300baa91bcd0ab6f0fb5904786fd5d03a098c0d05a6245e06f35ccdbbc19f51aa81defd7d3c1c0196136"
                  "dcfa01d0293436a6d6cd186b54720937a97e0d335eb710d5bd1745",
        "storedBackupCodes": "$ba$2$db8ba8d02f1337d942d7bf9767e49dcd2ee646d97554cda65755099184198ca9713f8b210b8736286"
                             "66179a5024abfead93ca27200bc80ec56c7d44b57b5412b881b8d72cbc8bd75db62a7f2d70a8bf13a29463e"
                             "fa56248cb317bcf0eca92abb76a1fb7bd3a0dfd89a8b047e1d1fee725e3367799d13e6839edd9cbdd549438"
                             "bffeffa4be8b2f4f4ecbf6c1d0368d7542094c016611c0b8aab7efe0d4c169b4a3d39129aa222198b5f4937"
                             "599ed6311c521f355d5b",
        "plainSecret": "L7AsSN1R2raQ94zcDOfE4cyn76RtkVc4",
        "hotp0": "306280",
        "hotp1234567": "463971",
        "trustToken": "_m802NItKzFjWjTuaixHJOiDh69cbbODtCTOzZ3snx4",
    },
}

#: written by tessera; Better Auth 1.7.24 read each as secret "tessera-made-secret-0123456789-_" (hotp(0) = 360544)
#: and backup codes ["aaaaa-bbbbb", "ccccc-ddddd"]
TESSERA: dict[str, dict[str, str]] = {
    "single": {
        "secret": "fc5d4e5be7a7546080b8668ef8eb3c524308cb7a195d03ac86df56d744885f813e6c271045e05f0d29dbc85b381a928e"
                  "3be3f4e7747f593b82fb5b30a9d0a549003f2e4393e58b9e",
        "backupCodes": "4125e12edbda801dd46d6969363dd4f84f5d779b9fc3eea3ce677dffdd639f6850daeb2844de15095838c51fbe74"
                       "0334234946e1406cd7917e62e6aaa3f052cfb5ec9362ac",
    },
    "versioned": {
        "secret": "$ba$2$60e00ca98229479339afe0984c833eeeb1adc4b30db84c63c43e0e5656655a56428f51480633198c61fa1eaf91b"
                  "eebcf007521d1b28c8bad9259ee37b10baf493a734163e85dbad5",
        "backupCodes": "$ba$2$c8e94ef0e4f2e9c8b06f8919da3780e794cf710335889e2ec5f785fbc68e136def2a68c77905104b10b6d78"
                       "40ff6499b9c3ff36b5c632319b4619f20c354d4bdb3f99a8fd5",
    },
}

KEYRINGS = {"single": Keyring.single(SECRET), "versioned": Keyring.versioned([(2, VERSIONED)])}
CURRENT = {"single": SECRET, "versioned": VERSIONED}


@pytest.mark.parametrize("name", ["single", "versioned"])
def test_better_auth_rows_decrypt_and_verify_in_tessera(name: str) -> None:
    vector, keyring = BETTER_AUTH[name], KEYRINGS[name]
    plain = symmetric_decrypt(keyring, vector["secret"])
    assert plain == vector["plainSecret"]
    key = secret_key(plain)
    assert hotp(key, 0) == vector["hotp0"] and hotp(key, 1234567) == vector["hotp1234567"]
    assert totp_uri(key, "Tessera Interop", "vector@example.com") == vector["totpURI"]
    assert decode_backup_codes(vector["storedBackupCodes"], keyring, "encrypted") == vector["backupCodes"]
    assert trust_token(CURRENT[name], "user-1", "trust-device-abc") == vector["trustToken"]


@pytest.mark.parametrize("name", ["single", "versioned"])
def test_tessera_rows_are_the_ones_better_auth_read(name: str) -> None:
    keyring = KEYRINGS[name]
    plain = symmetric_decrypt(keyring, TESSERA[name]["secret"])
    assert plain == "tessera-made-secret-0123456789-_" and hotp(secret_key(plain), 0) == "360544"
    assert decode_backup_codes(TESSERA[name]["backupCodes"], keyring, "encrypted") == ["aaaaa-bbbbb", "ccccc-ddddd"]


async def test_a_row_better_auth_wrote_signs_in_on_tessera() -> None:
    vector = BETTER_AUTH["single"]
    auth = make_auth(secret=SECRET, plugins=[two_factor()])
    client = Client(auth)
    r = await client.sign_up("vector@example.com")
    user_id = r.json_body()["user"]["id"]
    store = auth.context.store
    await store.update_user(user_id, {"twoFactorEnabled": True})
    await auth.context.adapter.create("twoFactor", {
        "id": "tf-from-node", "userId": user_id, "secret": vector["secret"],
        "backupCodes": vector["storedBackupCodes"], "verified": True, "failedVerificationCount": 0,
    })
    browser = Client(auth)
    assert (await browser.sign_in("vector@example.com")).json_body()["twoFactorRedirect"] is True
    r = await browser.post("/two-factor/verify-backup-code", {"code": vector["backupCodes"][4]})
    assert r.status == 200, r.body
    remaining = (await auth.api.view_backup_codes(body={"userId": user_id}))["backupCodes"]
    assert remaining == vector["backupCodes"][:4] + vector["backupCodes"][5:]
    browser = Client(auth)
    await browser.sign_in("vector@example.com")
    code = hotp(secret_key(vector["plainSecret"]), int(auth.context.now().timestamp()) // 30)
    assert (await browser.post("/two-factor/verify-totp", {"code": code})).status == 200
