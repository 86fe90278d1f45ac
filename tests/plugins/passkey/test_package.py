"""The plugin as a package: py_webauthn stays optional, the schema matches Better Auth's table, options are
checked when the plugin is made."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tessera.errors import ConfigError
from tessera.migrations import generate
from tessera.plugins.passkey import PasskeyOptions, passkey
from tests._helpers import make_auth


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_importing_tessera_does_not_import_webauthn() -> None:
    result = _run("import sys, tessera, tessera.plugins; "
                  "assert 'webauthn' not in sys.modules and 'cbor2' not in sys.modules, 'imported'")
    assert result.returncode == 0, result.stderr


def test_missing_extra_is_named_in_the_import_error() -> None:
    result = _run("import sys; sys.modules['webauthn'] = None\n"
                  "try:\n    import tessera.plugins.passkey\n"
                  "except ImportError as exc:\n    print(exc)\n")
    assert result.returncode == 0, result.stderr
    assert "pip install 'tessera-auth[passkey]'" in result.stdout


def test_schema_is_better_auths_passkey_table() -> None:
    auth = make_auth(plugins=[passkey()])
    table = auth.schema.tables["passkey"]
    assert [f.name for f in table.fields] == ["name", "publicKey", "userId", "credentialID", "counter", "deviceType",
                                              "backedUp", "transports", "createdAt", "aaguid"]
    assert {f.name for f in table.fields if f.required} == {"publicKey", "userId", "credentialID", "counter",
                                                            "deviceType", "backedUp"}
    sql = generate(auth, dialect="postgresql")
    assert 'CREATE INDEX "passkey_userId_idx" ON passkey ("userId")' in sql
    assert 'CREATE UNIQUE INDEX "passkey_credentialID_uidx" ON passkey ("credentialID")' in sql
    assert 'REFERENCES "user" (id) ON DELETE CASCADE' in sql.split("CREATE TABLE passkey", 1)[1]


def test_error_codes_are_registered() -> None:
    auth = make_auth(plugins=[passkey()])
    assert auth.api.verify_passkey_authentication is not None
    from tessera.plugins.passkey import PasskeyErrorCodes

    assert PasskeyErrorCodes.CHALLENGE_NOT_FOUND.message == "Challenge not found"


@pytest.mark.parametrize("kwargs", [
    {"nope": 1},
    {"origin": "https://example.com/"},
    {"origin": ["https://example.com", ""]},
    {"authenticator_selection": {"userVerification": "always"}},
    {"authenticator_selection": {"colour": "red"}},
    {"advanced": {"webAuthnChallengeCookie": ""}},
    {"advanced": {"unknown": "x"}},
    {"challenge_max_age": 0},
    {"registration": {"resolve_user": "alice"}},
    {"registration": {"requireSession": "no"}},
    {"registration": {"extensions": 5}},
    {"registration": {"unknown": 1}},
    {"registration": ["require_session"]},
    {"authentication": {"after_verification": 1}},
    {"authentication": {"require_session": False}},
])
def test_bad_options_are_config_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        passkey(**kwargs)


def test_options_accept_both_spellings() -> None:
    options = PasskeyOptions(authenticator_selection={"resident_key": "required", "userVerification": "required"},
                             advanced={"web_authn_challenge_cookie": "pk"})  # type: ignore[arg-type]
    assert options.authenticator_selection == {"residentKey": "required", "userVerification": "required"}
    assert options.require_user_verification and options.advanced.web_authn_challenge_cookie == "pk"
    with pytest.raises(ConfigError):
        passkey(PasskeyOptions(), rp_id="x")


def test_option_sections_accept_both_spellings_and_their_dataclasses() -> None:
    from tessera.plugins.passkey import PasskeyAuthentication, PasskeyRegistration

    def resolve(**kw: object) -> None:
        return None

    options = PasskeyOptions(registration={"requireSession": False, "resolveUser": resolve},  # type: ignore[arg-type]
                             authentication=PasskeyAuthentication(extensions={"credProps": True}))
    assert options.registration == PasskeyRegistration(require_session=False, resolve_user=resolve)
    assert options.authentication.extensions == {"credProps": True}


def test_the_created_user_watch_is_only_installed_for_passkey_first_sign_up() -> None:
    """Every other configuration adds no database hook: user creation stays exactly one statement."""
    assert passkey().database_hooks == {}
    assert passkey(registration={"after_verification": lambda **kw: None}).database_hooks == {}
    first = passkey(registration={"require_session": False, "after_verification": lambda **kw: None})
    assert set(first.database_hooks) == {"user"}


def test_public_key_reads_either_base64_alphabet() -> None:
    """Better Auth writes standard base64 with padding; rows written any other way still read."""
    from tessera.plugins.passkey import decode_public_key, encode_public_key

    key = bytes(range(200))
    stored = encode_public_key(key)
    assert stored.endswith("=")  # 200 bytes: one pad character
    for text in (stored, stored.rstrip("="), stored.replace("+", "-").replace("/", "_").rstrip("=")):
        assert decode_public_key(text) == key
