"""The tessera server the conformance tests talk to over real HTTP (uvicorn on 127.0.0.1).

    python tests/conformance/tessera_app.py --port 8123 [--database URL] [--plugins bearer,admin,twoFactor] [--hasher fast]

Configured like the pinned Better Auth reference (``tests/reference/node/server.mjs``): same secret,
``base_url = http://127.0.0.1:<port>``, email and password on, rate limiting off, production mode (so
cookies, IP handling and secret checks behave as the reference run with ``NODE_ENV=production``), the same
plugins. With a database URL the schema is created first (what ``tessera migrate`` does); without one the
memory adapter is used. The hasher is ``ScryptHasher(n=1024, r=8)`` to keep the suite fast: hashes are not
compared across servers, only responses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from collections.abc import Sequence
from typing import Any

from tessera import ScryptHasher, Tessera

#: the reference server's fixed secret (public, NOT a real secret)
SECRET = "tessera-conformance-secret-0123456789abcdef0123456789"


def print_magic_link(*, email: str, url: str, token: str, **_: Any) -> None:
    """The reference server's ``sendMagicLink``: the link on stdout, for the tests to read from the log."""
    print("MAGIC_LINK " + json.dumps({"email": email, "url": url, "token": token}), flush=True)


def _to_outbox(data: Any, ctx: Any) -> None:
    """The email-OTP sender: codes appended as JSON lines to ``$OTP_OUTBOX``, where the differential tests
    read them (the reference server writes the same lines)."""
    outbox = os.environ.get("OTP_OUTBOX")
    if outbox:
        with open(outbox, "a") as f:
            f.write(json.dumps({"email": data["email"], "otp": data["otp"], "type": data["type"]}) + "\n")


def _sms_outbox(kind: str) -> Any:
    """The phone-number senders: codes appended as JSON lines to ``$OTP_OUTBOX``, as the reference server's."""

    def send(data: Any, ctx: Any) -> None:
        outbox = os.environ.get("OTP_OUTBOX")
        if outbox:
            with open(outbox, "a") as f:
                f.write(json.dumps({"phoneNumber": data["phoneNumber"], "code": data["code"], "type": kind}) + "\n")

    return send


def _organization_dac() -> Any:
    """The reference server's ``organizationDac``: dynamic access control with an ``ac`` holding one extra
    resource, an owner who holds it, and at most 3 stored roles per organization."""
    from tessera.plugins.organization import DEFAULT_ROLES, DEFAULT_STATEMENTS, create_access_control, organization

    project = ("create", "read", "delete")
    ac = create_access_control({**DEFAULT_STATEMENTS, "project": project})
    owner = ac.new_role({**DEFAULT_STATEMENTS, "project": project})
    return organization(ac=ac, roles={**DEFAULT_ROLES, "owner": owner},
                        dynamic_access_control={"maximum_roles_per_organization": 3})


def _organization_hooks() -> Any:
    """The reference server's ``organizationHooks``: ``invitation_limit=2`` and hooks that change or refuse."""
    from tessera.errors import APIError
    from tessera.plugins.organization import organization

    def refuse() -> None:
        raise APIError(403, "REFUSED_BY_HOOK", "Refused by a hook")

    def before_create_organization(organization: dict[str, Any], user: Any) -> Any:
        if organization["name"] == "Refused":
            refuse()
        return {"data": {"name": organization["name"].upper()}}

    async def before_update_member_role(new_role: str, **_: Any) -> Any:
        return {"data": {"role": "member"}} if new_role == "admin" else None

    def before_create_invitation(invitation: dict[str, Any], **_: Any) -> None:
        if invitation["email"].startswith("blocked"):
            refuse()

    def before_cancel_invitation(invitation: dict[str, Any], **_: Any) -> None:
        if invitation["role"] == "admin":
            refuse()

    def before_delete_organization(organization: dict[str, Any], **_: Any) -> None:
        if organization["slug"].startswith("keep"):
            refuse()

    def after_update_organization(organization: dict[str, Any] | None, **_: Any) -> None:
        if organization and organization["name"] == "After fails":
            refuse()

    return organization(invitation_limit=2, organization_hooks={
        "before_create_organization": before_create_organization,
        "before_update_member_role": before_update_member_role,
        "before_create_invitation": before_create_invitation,
        "before_cancel_invitation": before_cancel_invitation,
        "before_delete_organization": before_delete_organization,
        "after_update_organization": after_update_organization,
    })
# -- small plugins (one-time-token, last-login-method, custom-session): the reference server's variants --
def _one_time_token() -> Any:
    from tessera.plugins.one_time_token import one_time_token

    return one_time_token()


def _last_login_method(store_in_database: bool = False) -> Any:
    from tessera.plugins.last_login_method import last_login_method

    return last_login_method(store_in_database=store_in_database)


def _custom_session() -> Any:
    from tessera.plugins.custom_session import custom_session

    def shape(data: dict[str, Any], ctx: Any) -> dict[str, Any]:
        user = data["user"]
        return {"user": {**user, "name": user["name"].upper()}, "session": data["session"], "roles": ["member"]}

    return custom_session(shape, should_mutate_list_device_sessions_endpoint=True)


# -- open-api: Better Auth's openAPI() (tests/conformance/test_differential_open_api.py) --
def _open_api(**options: Any) -> Any:
    from tessera.plugins.open_api import open_api

    return open_api(**options)
# -- end open-api --


SMALL_PLUGINS = {
    "openAPI": _open_api,
    "openAPINoReference": lambda: _open_api(disable_default_reference=True),
    "customSession": _custom_session,
    "oneTimeToken": _one_time_token,
    "lastLoginMethod": _last_login_method,
    "lastLoginMethodDb": lambda: _last_login_method(store_in_database=True),
}
# -- end small plugins --
#: the reference server's ``genericOAuth`` providers: on 127.0.0.1:9 (nothing listens), one without an
#: authorization URL
_IDP = "http://127.0.0.1:9"
GENERIC_OAUTH_CONFIG: list[dict[str, Any]] = [
    {"provider_id": "static", "authorization_url": f"{_IDP}/authorize", "token_url": f"{_IDP}/token",
     "user_info_url": f"{_IDP}/userinfo", "client_id": "conformance-client", "client_secret": "conformance-secret",
     "scopes": ["profile", "email"], "prompt": "consent", "access_type": "offline",
     "authorization_url_params": {"audience": "api://conformance"}},
    {"provider_id": "nopkce", "authorization_url": f"{_IDP}/authorize", "token_url": f"{_IDP}/token",
     "client_id": "conformance-client", "pkce": False, "response_mode": "form_post"},
    {"provider_id": "half", "token_url": f"{_IDP}/token", "client_id": "conformance-client"},
    {"provider_id": "idpinit", "authorization_url": f"{_IDP}/authorize", "token_url": f"{_IDP}/token",
     "client_id": "conformance-client", "allow_idp_initiated": True},
]


def _generic_oauth_config() -> list[dict[str, Any]]:
    """``GENERIC_OAUTH_CONFIG``, and with ``$GENERIC_OAUTH_ISSUER`` (a running OpenID provider) a provider found by
    discovery, as the reference server adds it."""
    issuer = os.environ.get("GENERIC_OAUTH_ISSUER")
    if not issuer:
        return GENERIC_OAUTH_CONFIG
    plain = [
        {"provider_id": provider_id, "scopes": scopes, "client_id": "tessera-app", "client_secret": "s3cret",
         "authorization_url": f"{issuer}/oauth2/authorize", "token_url": f"{issuer}/oauth2/token",
         "user_info_url": f"{issuer}/userinfo"}
        for provider_id, scopes in (("mockplain", ["openid", "email", "profile"]), ("mockuserinfo", ["email", "profile"]))
    ]
    return [*GENERIC_OAUTH_CONFIG, {
        "provider_id": "mock", "discovery_url": f"{issuer}/.well-known/openid-configuration",
        "client_id": "tessera-app", "client_secret": "s3cret", "scopes": ["email", "profile"],
        "post_logout_redirect_uri": "/bye",
    }, *plain]


# -- captcha: the reference server's variants (siteverify at $CAPTCHA_SITEVERIFY_URL; sign-in and reset guarded) --
_CAPTCHA_VARIANTS: dict[str, dict[str, Any]] = {
    "captchaTurnstile": {"provider": "cloudflare-turnstile"},
    "captchaRecaptcha": {"provider": "google-recaptcha", "min_score": 0.7},
    "captchaHcaptcha": {"provider": "hcaptcha", "site_key": "site-key-1"},
    "captchaFox": {"provider": "captchafox", "site_key": "site-key-1"},
}


def _captcha(name: str) -> Any:
    import os

    from tessera.plugins.captcha import captcha

    return captcha(
        **_CAPTCHA_VARIANTS[name], secret_key="captcha-secret",
        site_verify_url_override=os.environ["CAPTCHA_SITEVERIFY_URL"],
        endpoints=["/sign-in/email", "/request-password-reset"],
    )


SMALL_PLUGINS.update({name: (lambda name=name: _captcha(name)) for name in _CAPTCHA_VARIANTS})
# -- end captcha --


# -- have-i-been-pwned: range queries go to $HIBP_API_URL (the differential tests' fake) --
def _have_i_been_pwned() -> Any:
    import os

    from tessera.plugins.have_i_been_pwned import have_i_been_pwned

    return have_i_been_pwned(api_url=os.environ["HIBP_API_URL"])


SMALL_PLUGINS["haveIBeenPwned"] = _have_i_been_pwned
# -- end have-i-been-pwned --


# -- one-tap, oauth-proxy: the reference server's variants --
def _one_tap() -> Any:
    """Google's key endpoint answered from ``$ONE_TAP_JWKS`` (the test's signing key), as on the Node side."""
    import httpx

    import tessera.oauth.provider as provider_module
    from tessera.jwt import RemoteJWKS
    from tessera.plugins.one_tap import one_tap

    jwks = os.environ["ONE_TAP_JWKS"]

    def certs(request: httpx.Request) -> httpx.Response:
        if str(request.url) != "https://www.googleapis.com/oauth2/v3/certs":
            return httpx.Response(404)
        return httpx.Response(200, content=jwks.encode(), headers={"content-type": "application/json"})

    transport = httpx.MockTransport(certs)
    provider_module.RemoteJWKS = lambda url, **kw: RemoteJWKS(  # type: ignore[assignment,misc]
        url, client=httpx.AsyncClient(transport=transport), **kw
    )
    return one_tap(client_id="one-tap-conformance")


def _oauth_proxy() -> Any:
    from tessera.plugins.oauth_proxy import oauth_proxy

    return oauth_proxy(production_url="http://prod.example")


EXTRA_PLUGINS = {"oneTap": _one_tap, "oAuthProxy": _oauth_proxy}
# -- end one-tap, oauth-proxy --


# -- siwe: the reference server's variant (messages for example.com, "signatures" `signed-by:<address>`) --
def _siwe() -> Any:
    import secrets

    from tessera.plugins.siwe import siwe

    return siwe(domain="example.com", get_nonce=lambda: secrets.token_hex(12),
                verify_message=lambda *, signature, address, **_: signature == f"signed-by:{address.lower()}")


EXTRA_PLUGINS["siwe"] = _siwe
# -- end siwe --


def make_plugins(names: list[str]) -> list[Any]:
    plugins: list[Any] = []
    for name in names:
        if name == "bearer":
            from tessera.plugins.bearer import bearer

            plugins.append(bearer())
        elif name == "admin":
            from tessera.plugins.admin import admin

            plugins.append(admin())
        elif name == "anonymous":
            from tessera.plugins.anonymous import anonymous

            plugins.append(anonymous())
        elif name == "twoFactor":
            from tessera.plugins.two_factor import two_factor

            plugins.append(two_factor())
        elif name == "magicLink":
            from tessera.plugins.magic_link import magic_link

            plugins.append(magic_link(send_magic_link=print_magic_link))
        elif name == "organization":
            from tessera.plugins.organization import organization

            plugins.append(organization())
        elif name == "organizationTeams":
            from tessera.plugins.organization import TeamsOptions, organization

            plugins.append(organization(teams=TeamsOptions()))
        elif name == "organizationDac":
            plugins.append(_organization_dac())
        elif name == "organizationHooks":
            plugins.append(_organization_hooks())
        elif name == "emailOTP":
            from tessera.plugins.email_otp import email_otp

            plugins.append(email_otp(send_verification_otp=_to_outbox))
        elif name == "multiSession":
            from tessera.plugins.multi_session import multi_session

            plugins.append(multi_session())
        elif name == "username":
            from tessera.plugins.username import username

            plugins.append(username())
        elif name == "deviceAuthorization":
            from tessera.plugins.device_authorization import device_authorization

            plugins.append(device_authorization(interval="2s"))
        elif name in SMALL_PLUGINS:
            plugins.append(SMALL_PLUGINS[name]())
        elif name in EXTRA_PLUGINS:
            plugins.append(EXTRA_PLUGINS[name]())
        elif name == "phoneNumber":
            from tessera.plugins.phone_number import phone_number

            plugins.append(phone_number(
                send_otp=_sms_outbox("otp"), send_password_reset_otp=_sms_outbox("reset"),
                sign_up_on_verification={"get_temp_email": lambda p: "".join(c for c in p if c.isdigit()) + "@phone.test"},
            ))
        elif name == "genericOAuth":
            from tessera.plugins.generic_oauth import generic_oauth

            plugins.append(generic_oauth(config=_generic_oauth_config()))
        else:
            raise SystemExit(
                f"unknown plugin {name!r} "
                "(known: bearer, admin, anonymous, twoFactor, magicLink, organization, organizationTeams, "
                "organizationDac, organizationHooks, emailOTP, multiSession, username, deviceAuthorization, "
                "phoneNumber, genericOAuth, " + ", ".join([*SMALL_PLUGINS, *EXTRA_PLUGINS]) + ")"
            )
    return plugins


def create_app(
    port: int,
    database: str | None = None,
    hasher: str = "fast",
    plugins: Sequence[str] = (),
    cookie_cache: bool = False,
) -> Tessera:
    password = ScryptHasher(n=1024, r=8) if hasher == "fast" else ScryptHasher()
    return Tessera(
        secret=SECRET,
        base_url=f"http://127.0.0.1:{port}",
        database=database or None,
        email_and_password={"enabled": True, "password": password},
        rate_limit={"enabled": False},
        session={"cookie_cache": {"enabled": True, "max_age": 300}} if cookie_cache else None,
        plugins=make_plugins(list(plugins)),
        production=True,
    )


async def migrate(auth: Tessera) -> None:
    """Create the schema (what ``tessera migrate`` does), then release the connections."""
    from tessera.adapters.sqlalchemy.migrate import apply, plan_migration

    try:
        await apply(await plan_migration(auth.adapter.engine, auth.schema))  # type: ignore[attr-defined]
    finally:
        await auth.adapter.close()


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default=None)
    parser.add_argument("--hasher", choices=("fast", "default"), default="fast")
    parser.add_argument("--plugins", default="")
    parser.add_argument("--cookie-cache", action="store_true", help="session.cookie_cache, max_age 300")
    args = parser.parse_args()
    plugins = [p for p in args.plugins.split(",") if p]
    if args.database:
        asyncio.run(migrate(create_app(args.port, args.database, args.hasher, plugins)))
    app = create_app(args.port, args.database, args.hasher, plugins, args.cookie_cache)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
