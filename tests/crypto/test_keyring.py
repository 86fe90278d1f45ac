"""Secret rotation (``secrets=[{version, value}]``): configuration, ``$ba$<version>$`` envelopes both ways with
Better Auth 1.7.24, and every at-rest reader (JWKS private keys, OAuth tokens, link state, ``jwe`` cookies)."""

from __future__ import annotations

import json
import warnings
from datetime import datetime

import pytest
from tests._tokens import Client, make_auth

from tessera.adapters.memory import MemoryAdapter
from tessera.config import DEFAULT_SECRET, resolve_secrets
from tessera.crypto.jwe import DirectEncrypter
from tessera.crypto.keyring import Keyring
from tessera.crypto.purpose import purpose_keyring
from tessera.crypto.signing import Signer
from tessera.crypto.symmetric import DecryptionError, symmetric_decrypt, symmetric_encrypt
from tessera.errors import ConfigError
from tessera.jwt import decode_unverified
from tessera.plugins.jwt import JWTPlugin, jwt
from tessera.session.cookie_cache import JWE_SALT, make_strategy

OLD = "tessera-rotation-old-secret-0123456789abcdef"
NEW = "tessera-rotation-new-secret-fedcba9876543210"
LEGACY = "tessera-rotation-legacy-secret-00112233445566"
ROTATED = Keyring.versioned([(2, NEW), (1, OLD)], legacy=LEGACY)

# ``node tests/reference/node/secrets_vectors.mjs make`` (Better Auth 1.7.24): ``betterAuth({secrets: [{version: 1,
# value: OLD}]})`` before the rotation, ``BETTER_AUTH_SECRETS="2:NEW, 1:OLD"`` with ``secret: LEGACY`` after it.
# Better Auth's resulting secretConfig: keys {2: NEW, 1: OLD}, currentVersion 2, legacySecret LEGACY, and
# ``ctx.secret`` (what signs cookies) == NEW.
BA_V1 = (
    "$ba$1$327c1e45ea3422c4dc0bb5fea01e980c1c8afd73eeacbff3884c1d0c82448bddc5092d59e2dbfa3051b983ed8cef68fcd04efc68"
    "088ba5fd310459b6ddf084"
)
BA_V2 = (
    "$ba$2$06c69ec90c023b802dbc94338099b5f59dffa5b5a171126c2d343ebee510aa5a79a8cbfa19cd7bd47b4087b8580963949cdcb5b3"
    "ca7a6a58b83c23f49b4b66"
)
BA_LEGACY = (
    "95bedb82013930d678627ffcc02f2f36571fc5db6999a8aab7188a855be1539d43ca193cc2939ab3ebf3fb98c814e8c86a9927138c56"
    "d85702635ee19cc298"
)
BA_OAUTH_ACCESS_TOKEN = (  # setTokenUtil with account.encryptOAuthTokens
    "$ba$2$7225c47ece479b762dd73704dceab3ec94b72a05ca9e9fd117c3d39985fe02f5f3727165cbf2fce927c347c1fea17c9379f767"
    "20f90c644c317ec3f4585849c2310d"
)
BA_LINK_SESSION = (  # symmetricEncrypt under derivePurposeKey(secretConfig, "oauth-link-session-token")
    "$ba$2$7a867733d7c4de4027df2d5b67b5838274c761c6a554cf60c04e28f0844b90aa7fece3c5203daaeb6038969d70896417ff63ef"
    "04fb52aba6a0d4745cd060de39123fb56848915629"
)
BA_JWKS_ROW = {  # the jwt plugin's createJwk under the rotated config
    "publicKey": '{"crv":"Ed25519","x":"F3qJ8gwl0Q0ENQU4X-WMIQ3JrG2NEM8MhbMv1tXPe0k","kty":"OKP"}',
    "privateKey": (
        '"$ba$2$ee3eeefaa65ec9bdff30b6a4a652f74d92a17b0c24bbea77554d52b8f3d0486e3e1ebf3b384f04294e76731a4238ebe39e574'
        "3748823744a8e9aa4efc6c2d5b0c524ecae58a0b8080fb0a6ddd33a39e510f77ce1c292d1fcbfb8bcec121754b1380b5132d76436"
        "17902d0e0dc6366badb279b3877b2fc4f260e7beeb2d016c3459df5404a088d6bc601331ba8c3ca8efbbe8703e56771af1ed129fe"
        '91356dfb13dd56da45c34aa4602"'
    ),
    "createdAt": "2026-11-23T18:11:02.946Z",
    "alg": "EdDSA",
    "crv": "Ed25519",
    "id": "TVsPic4HyEOTSZeBHLhssANcWjiTiXJZ",
}

# Made by tessera under ROTATED (and ``Keyring.versioned([(1, OLD)])`` / the bare LEGACY secret), then given to
# ``node secrets_vectors.mjs check`` once: Better Auth 1.7.24 decrypted each to the plaintext next to it.
TESSERA_OUTPUT = {
    "$ba$2$a38f2109ec3e629fe6932b97cab4de02ef981683da1e0caa521e203b49d5d16c13d2b6152b8b7e3a85ffce853eccb10884779aa34"
    "c4eee9e3c3e18766058a46e4d06ef791ade37d8c792": "tessera wrote this under version 2",
    "$ba$1$f68a50be8d6fa0e8812c6b1e2470e0e6758d240aca93c87ebd94a81a318593629f426e2e6bcfde1909150e92807d437417aa9135"
    "0de7bf5ccba1ce736025e735345c67d9cac3acc35b5e": "tessera wrote this under version 1",
    "c946ed726dd34d013fb0b0888211e37929854f885a74311e8b7c397bfbbbfab9dd4ec7b88297c041d449e1c77518acfa56a5df95aa5381"
    "5c593f9c9b7a192dc01c12d3e1b0584837b5fd": "tessera wrote this before rotation",
}
TESSERA_LINK_SESSION = (  # Better Auth: "tesserasessiontoken0123456789abc" under its link-session purpose key
    "$ba$2$b11c01d283e049a0ad6dc7770565c7b8687a52a5322d399dcc474025d21f002705079664f7da4510f1b97a4b54e5f2cd48c986fce"
    "0e5e4b4653835eb384cbffcddbd530b2e4c7542"
)
TESSERA_JWKS_PRIVATE_KEY = (  # a jwks row's private key minted by the jwt plugin under ROTATED; Better Auth read it
    "$ba$2$f9b8a2dcf6212fa9551ad875c14b670a32b829e65b19e4941fbd9325a7e07f1ae8e02720e7e08e4eea3fa579b4d9da46691299e4"
    "1716c25864c2392ff547f21baa9fbf5142163191fac5b3f43308218a6475fe21c4ce3a4239d9dce09405c91bd3daf87611a77c81f298a8"
    "baca82c40ad452fef703b319cb7b9adaa27669ec912d4cefeb36051fdbd2bb158d4790333e6f92cbb99913d89862e80652af16ffd6bdc6"
    "171b49a85e69f0"
)


# -- configuration ---------------------------------------------------------------------------------------


@pytest.fixture
def no_secret_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("TESSERA_SECRET", "BETTER_AUTH_SECRET", "AUTH_SECRET", "TESSERA_SECRETS", "BETTER_AUTH_SECRETS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_secrets_option_in_better_auths_shape(no_secret_env: pytest.MonkeyPatch) -> None:
    ring = resolve_secrets(LEGACY, [{"version": 2, "value": NEW}, {"version": "1", "value": OLD}], production=True)
    assert ring == ROTATED
    assert resolve_secrets(None, [(2, NEW), (1, OLD)], production=True) == Keyring.versioned([(2, NEW), (1, OLD)])


@pytest.mark.parametrize("name", ["TESSERA_SECRETS", "BETTER_AUTH_SECRETS"])
def test_secrets_from_the_environment(no_secret_env: pytest.MonkeyPatch, name: str) -> None:
    no_secret_env.setenv(name, f" 2:{NEW} , 1:{OLD}")
    no_secret_env.setenv("BETTER_AUTH_SECRET", LEGACY)
    assert resolve_secrets(None, None, production=True) == ROTATED


def test_the_option_wins_over_the_environment(no_secret_env: pytest.MonkeyPatch) -> None:
    no_secret_env.setenv("TESSERA_SECRETS", f"7:{NEW}")
    assert resolve_secrets(None, [(1, OLD)], production=True).current_version == 1


def test_without_secrets_the_single_secret_is_unversioned(no_secret_env: pytest.MonkeyPatch) -> None:
    ring = resolve_secrets(LEGACY, None, production=True)
    assert ring == Keyring.single(LEGACY) and not ring.is_versioned
    assert not symmetric_encrypt(ring, "x").startswith("$ba$")  # what Better Auth writes with only `secret`


def test_the_default_development_secret_is_never_a_legacy_secret(no_secret_env: pytest.MonkeyPatch) -> None:
    assert resolve_secrets(DEFAULT_SECRET, [(1, NEW)], production=False).legacy is None


@pytest.mark.parametrize(
    ("secrets", "message"),
    [
        ([], "at least one"),
        ([(1, NEW), (1, OLD)], "version 1 appears twice"),
        ([(1, "")], "version 1 is empty"),
        ([(-1, NEW)], "non-negative"),
        ([{"version": "two", "value": NEW}], "non-negative"),
        ([{"version": 1, "value": NEW, "salt": "x"}], "unknown key"),
        ([(True, NEW)], "non-negative"),
        ([(1, 12345)], "must be a string"),
        ("1:abc", "expected a list"),
        ([(1, "short")], "shorter than 32"),
        ([(1, DEFAULT_SECRET)], "default development secret"),
    ],
)
def test_invalid_secrets_are_configuration_errors(
    no_secret_env: pytest.MonkeyPatch, secrets: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_secrets(None, secrets, production=True)  # type: ignore[arg-type]


def test_only_the_current_secret_is_judged_and_weak_is_a_warning_outside_production(
    no_secret_env: pytest.MonkeyPatch,
) -> None:
    resolve_secrets(None, [(2, NEW), (1, "old-and-short")], production=True)  # older versions only read
    with pytest.warns(UserWarning, match=r"current secret \(version 3\) is shorter"):
        resolve_secrets(None, [(3, "short"), (2, NEW)], production=False)


@pytest.mark.parametrize(
    ("value", "message"), [("2-abc", "is not"), (f"x:{NEW}", "non-negative"), (f"1:{NEW},1:{OLD}", "twice")]
)
def test_malformed_environment_values(no_secret_env: pytest.MonkeyPatch, value: str, message: str) -> None:
    no_secret_env.setenv("BETTER_AUTH_SECRETS", value)
    with pytest.raises(ConfigError, match=message):
        resolve_secrets(None, None, production=True)


def test_the_current_secret_signs_cookies(no_secret_env: pytest.MonkeyPatch) -> None:
    """As in Better Auth (``ctx.secret = secrets[0].value``): signatures follow the current secret only."""
    auth = make_auth(secret=LEGACY, secrets=[{"version": 2, "value": NEW}, {"version": 1, "value": OLD}])
    assert auth.secret == auth.context.secret == NEW and auth.keyring == ROTATED


# -- envelopes ---------------------------------------------------------------------------------------------


def test_reads_what_better_auth_wrote_under_each_version() -> None:
    assert symmetric_decrypt(ROTATED, BA_V2) == "written under version 2"
    assert symmetric_decrypt(ROTATED, BA_V1) == "written under version 1"
    assert symmetric_decrypt(ROTATED, BA_LEGACY) == "written before rotation"
    assert symmetric_decrypt(ROTATED, BA_OAUTH_ACCESS_TOKEN) == "ya29.provider-access-token"
    link = purpose_keyring(ROTATED, "oauth-link-session-token")
    assert symmetric_decrypt(link, BA_LINK_SESSION) == "sessiontoken0123456789abcdefABCD"


def test_better_auth_read_what_tessera_wrote() -> None:
    for sealed, plain in TESSERA_OUTPUT.items():
        assert symmetric_decrypt(ROTATED, sealed) == plain
    link = purpose_keyring(ROTATED, "oauth-link-session-token")
    assert symmetric_decrypt(link, TESSERA_LINK_SESSION) == "tesserasessiontoken0123456789abc"
    assert json.loads(symmetric_decrypt(ROTATED, TESSERA_JWKS_PRIVATE_KEY))["kty"] == "OKP"


def test_writes_use_the_current_version_and_round_trip() -> None:
    sealed = symmetric_encrypt(ROTATED, "data")
    assert sealed.startswith("$ba$2$") and len(sealed) == len("$ba$2$") + 2 * (24 + 4 + 16)
    assert symmetric_decrypt(ROTATED, sealed) == "data"


def test_rotation_keeps_old_versions_readable_and_writes_the_new_one() -> None:
    before = Keyring.versioned([(1, OLD)])
    written_before = symmetric_encrypt(before, "at rest")
    after = Keyring.versioned([(2, NEW), (1, OLD)])
    assert symmetric_decrypt(after, written_before) == "at rest"
    assert symmetric_encrypt(after, "at rest").startswith("$ba$2$")
    retired = Keyring.versioned([(2, NEW)])
    with pytest.raises(DecryptionError, match=r"secret version 1 is not configured \(was it retired\?\); configured: 2"):
        symmetric_decrypt(retired, written_before)


def test_a_version_naming_the_wrong_secret_fails_to_authenticate() -> None:
    swapped = Keyring.versioned([(2, OLD), (1, NEW)])
    with pytest.raises(DecryptionError, match="does not authenticate"):
        symmetric_decrypt(swapped, BA_V2)


def test_an_envelope_without_versioned_secrets_is_a_clear_error() -> None:
    with pytest.raises(DecryptionError, match="no versioned `secrets` are configured"):
        symmetric_decrypt(NEW, BA_V2)


def test_bare_hex_without_a_legacy_secret_is_a_clear_error() -> None:
    with pytest.raises(DecryptionError, match="needs the legacy secret"):
        symmetric_decrypt(Keyring.versioned([(2, NEW), (1, OLD)]), BA_LEGACY)


# -- readers at rest -------------------------------------------------------------------------------------------


def _rotated_auth(adapter: MemoryAdapter, secrets: list[tuple[int, str]], **options: object) -> Client:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auth = make_auth(secret=LEGACY, secrets=secrets, database=adapter, **options)
    return Client(auth)


async def test_jwt_plugin_signs_with_a_key_better_auth_minted_under_rotation(no_secret_env: pytest.MonkeyPatch) -> None:
    adapter = MemoryAdapter()
    client = _rotated_auth(adapter, [(2, NEW), (1, OLD)], plugins=[jwt()])
    created = datetime.fromisoformat(BA_JWKS_ROW["createdAt"].replace("Z", "+00:00"))
    await client.auth.adapter.create("jwks", {**BA_JWKS_ROW, "createdAt": created})
    assert (await client.sign_up()).status == 200
    header, _ = decode_unverified((await client.get("/token")).json_body()["token"])
    assert header == {"alg": "EdDSA", "kid": BA_JWKS_ROW["id"]}
    assert len(adapter.tables["jwks"]) == 1  # Better Auth's key was usable: nothing new minted


async def test_a_rotation_keeps_jwt_keys_and_voids_signed_cookies(no_secret_env: pytest.MonkeyPatch) -> None:
    adapter = MemoryAdapter()
    before = _rotated_auth(adapter, [(1, OLD)], plugins=[jwt()])
    assert (await before.sign_up()).status == 200
    assert (await before.get("/token")).status == 200
    (row,) = adapter.tables["jwks"].values()
    assert json.loads(row["privateKey"]).startswith("$ba$1$")

    after = _rotated_auth(adapter, [(2, NEW), (1, OLD)], plugins=[jwt()])
    after.cookies = dict(before.cookies)
    assert (await after.get("/get-session")).json_body() is None  # signed with OLD: Better Auth voids it too
    assert (await after.sign_in()).status == 200
    header, _ = decode_unverified((await after.get("/token")).json_body()["token"])
    assert header["kid"] == row["id"]  # the version-1 key still decrypts and signs
    minted = await after.auth.plugin(JWTPlugin).manager.mint()
    assert json.loads(adapter.tables["jwks"][minted.kid]["privateKey"]).startswith("$ba$2$")


def test_jwe_cookie_cache_written_under_an_older_secret_still_reads() -> None:
    old_strategy = make_strategy("jwe", Keyring.versioned([(1, OLD)]), Signer(OLD))
    new_strategy = make_strategy("jwe", ROTATED, Signer(NEW))
    payload = b'{"session":{},"user":{},"updatedAt":1,"version":"1"}'
    old_cookie = old_strategy.encode(payload, 1_000_000_000, 300)
    assert new_strategy.decode(old_cookie) is not None
    new_cookie = new_strategy.encode(payload, 1_000_000_000, 300)
    assert DirectEncrypter(NEW, JWE_SALT).decrypt(new_cookie) is not None  # written with the current secret
    assert make_strategy("jwe", Keyring.versioned([(3, "x" * 32)]), Signer(NEW)).decode(old_cookie) is None
