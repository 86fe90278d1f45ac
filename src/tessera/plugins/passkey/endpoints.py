"""The ``/passkey/*`` endpoints, path for path and shape for shape ``@better-auth/passkey`` 1.7."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ...api.email_verification import call
from ...context import RequestContext
from ...crypto.random import LOWER_ALPHANUMERIC, random_string
from ...db.adapter import UniqueViolation, Where
from ...endpoints import Endpoint, SessionRequirement, endpoint
from ...errors import APIError
from ...session.issue import create_session, set_session_cookies
from ...session.resolver import resolve_session
from ...validation import F, Shape, column_issue, validation_error
from ..two_factor.challenge import MULTI_FACTOR
from . import ceremony
from .config import Extensions
from .errors import PasskeyErrorCodes
from .registration import after_verification, registering_session, registration_owner, registration_user

if TYPE_CHECKING:
    from . import PasskeyPlugin

logger = logging.getLogger("tessera.passkey")

REGISTER_QUERY = Shape({
    "authenticatorAttachment": F("string", optional=True),
    "name": F("string", optional=True),
    "context": F("string", optional=True),
})
ATTACHMENTS = ("platform", "cross-platform")
VERIFY_REGISTRATION_BODY = Shape({
    "response": F("object"),
    "name": F("string", optional=True),
    "createSession": F("boolean", optional=True),
})
VERIFY_AUTHENTICATION_BODY = Shape({"response": F("object")})
ID_BODY = Shape({"id": F("string")})
UPDATE_BODY = Shape({"id": F("string"), "name": F("string")})


def storable_name(name: str | None) -> str | None:
    """The passkey's name, refused as a 400 when a backend's column cannot hold it (MySQL's ``TEXT``)."""
    issue = column_issue("string", False, name)
    if issue is not None:
        raise validation_error([f"[body.name] {issue}"])
    return name


def build_endpoints(plugin: PasskeyPlugin) -> tuple[Endpoint, ...]:
    options = plugin.options
    cookie_key = options.advanced.web_authn_challenge_cookie
    require_uv = options.require_user_verification
    registration = options.registration
    # without ``require_session`` the session is optional, and checked fresh when present (registration.py)
    registration_session: SessionRequirement = "fresh" if registration.require_session else "optional"
    table = "passkey"

    def rp_id(ctx: RequestContext) -> str:
        if options.rp_id:
            return options.rp_id
        base = ctx.auth.base_url
        return (urlsplit(base).hostname if base else None) or "localhost"

    def expected_origins(ctx: RequestContext, missing: APIError, untrusted: APIError) -> list[str]:
        """The configured origins; else the request's ``Origin`` — Better Auth takes it as sent, here only when
        it is one of the app's trusted origins, so a relayed response from a look-alike site is refused even
        where its rpId would pass."""
        if options.origins:
            return list(options.origins)
        origin = ctx.request.headers.get("origin") or ""
        if not origin:
            raise missing
        if not ctx.auth.trusted_origins.is_trusted(origin, ctx.request if ctx.is_http else None,
                                                   allow_relative=False):
            raise untrusted
        return [origin]

    async def open_challenge(ctx: RequestContext, value: str) -> None:
        """The verification row and the signed cookie naming it, both living ``challenge_max_age`` seconds."""
        token = random_string(32, ceremony.TOKEN_ALPHABET)
        max_age = options.challenge_max_age
        await ctx.auth.store.create_verification(token, value, max_age)
        cookies = ctx.auth.cookies
        ctx.response.set_cookie(cookies.name(cookie_key), ctx.auth.signer.sign(token),
                                cookies.attrs(cookie_key, max_age=max_age))

    async def extensions(ctx: RequestContext, configured: Extensions | None) -> Mapping[str, Any] | None:
        """A ceremony's WebAuthn extension inputs: the configured mapping, or what ``fn(ctx=)`` answers."""
        value = await call(configured, ctx=ctx) if callable(configured) else configured
        if value is not None and not isinstance(value, Mapping):
            raise TypeError("passkey(): extensions must give a mapping of WebAuthn extension inputs or None")
        return value

    async def user_passkeys(ctx: RequestContext, user_id: str) -> list[dict[str, Any]]:
        return await ctx.auth.adapter.find_many(table, [Where("userId", user_id)])

    def public(ctx: RequestContext, row: dict[str, Any]) -> dict[str, Any]:
        return ctx.auth.store.public(table, row)

    async def owned_passkey(ctx: RequestContext, passkey_id: str) -> dict[str, Any]:
        """The caller's passkey ``passkey_id``: ``404 PASSKEY_NOT_FOUND`` when there is none, ``401`` when it
        is someone else's (Better Auth's ``requireResourceOwnership``; CVE-2025-71400 was its absence)."""
        session = ctx.session
        assert session is not None
        row = await ctx.auth.adapter.find_one(table, [Where("id", passkey_id)])
        if row is None:
            raise APIError(404, PasskeyErrorCodes.PASSKEY_NOT_FOUND)
        if row.get("userId") != session.user_id:
            raise APIError(401, PasskeyErrorCodes.YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY)
        return row

    # -- registration ----------------------------------------------------------------------------------

    @endpoint("/passkey/generate-register-options", "GET", name="generate_passkey_registration_options",
              session=registration_session, query=REGISTER_QUERY)
    async def generate_passkey_registration_options(ctx: RequestContext) -> Any:
        attachment = ctx.query.get("authenticatorAttachment")
        if attachment is not None and attachment not in ATTACHMENTS:
            raise validation_error(['[query.authenticatorAttachment] Invalid option: expected one of '
                                    '"platform"|"cross-platform"'])
        session = await registering_session(ctx, registration)
        user = await registration_user(ctx, registration, session)
        challenge = ceremony.new_challenge()
        body = ceremony.registration_options(
            options, rp_id=rp_id(ctx), rp_name=options.rp_name or ctx.auth.app_name,
            # Better Auth's user handle: 32 random characters, never the user id (no account linkage leaks)
            user_id=random_string(32, LOWER_ALPHANUMERIC).encode(),
            user_name=ctx.query.get("name") or user["name"], display_name=user.get("displayName") or user["name"],
            challenge=challenge, exclude=ceremony.descriptors(await user_passkeys(ctx, user["id"])),
            attachment=attachment, extensions=await extensions(ctx, registration.extensions),
        )
        await open_challenge(ctx, ceremony.challenge_value("registration", challenge, user,
                                                           ctx.query.get("context")))
        return body

    @endpoint("/passkey/verify-registration", "POST", name="verify_passkey_registration",
              session=registration_session, body=VERIFY_REGISTRATION_BODY)
    async def verify_passkey_registration(ctx: RequestContext) -> Any:
        name = storable_name((ctx.body.get("name") or "").strip() or None)
        failed = APIError(400, PasskeyErrorCodes.FAILED_TO_VERIFY_REGISTRATION)
        origins = expected_origins(ctx, failed, failed)
        challenge = await ceremony.consume_challenge(ctx, cookie_key, "registration")
        session = await registering_session(ctx, registration)
        if session is not None and challenge.user_data.get("id") != session.user_id:
            raise APIError(401, PasskeyErrorCodes.YOU_ARE_NOT_ALLOWED_TO_REGISTER_THIS_PASSKEY)
        response = ctx.body["response"]
        credential = ceremony.verify_registration(response, challenge=challenge.expected, origins=origins,
                                                  rp_id=rp_id(ctx), require_uv=require_uv)
        if credential is None:
            logger.info("passkey registration refused for user %s", challenge.user_data.get("id"))
            raise failed
        adapter = ctx.auth.adapter
        # before ``after_verification``: a passkey-first sign-up must not create a user for a held credential
        if await adapter.find_one(table, [Where("credentialID", credential.credential_id)]) is not None:
            raise APIError(400, PasskeyErrorCodes.PREVIOUSLY_REGISTERED)
        user, suggested = await registration_owner(ctx, registration, session, challenge, credential, response)
        inner = response.get("response")
        transports = inner.get("transports") if isinstance(inner, dict) else None
        if not isinstance(transports, list) or not all(isinstance(t, str) and "," not in t for t in transports):
            transports = []
        data = {
            "id": ctx.auth.generate_id(table), "name": name or storable_name(suggested), "userId": user["id"],
            "credentialID": credential.credential_id,
            "publicKey": ceremony.encode_public_key(credential.public_key), "counter": credential.counter,
            "deviceType": credential.device_type, "transports": ",".join(transports),
            "backedUp": credential.backed_up, "createdAt": ctx.auth.now(), "aaguid": credential.aaguid,
        }
        try:
            row = await adapter.create(table, data)
        except UniqueViolation:  # the same credential registered concurrently
            raise APIError(400, PasskeyErrorCodes.PREVIOUSLY_REGISTERED) from None
        passkey = public(ctx, row)
        if not ctx.body.get("createSession"):
            return passkey
        new = await create_session(ctx, user, status_on_failure=500)
        set_session_cookies(ctx, new)
        return {**passkey, "session": new.session, "user": new.user}

    # -- authentication --------------------------------------------------------------------------------

    @endpoint("/passkey/generate-authenticate-options", "GET", name="generate_passkey_authentication_options",
              session="optional")
    async def generate_passkey_authentication_options(ctx: RequestContext) -> Any:
        session = await resolve_session(ctx)
        rows = await user_passkeys(ctx, session.user_id) if session is not None else []
        challenge = ceremony.new_challenge()
        body = ceremony.authentication_options(
            options, rp_id=rp_id(ctx), challenge=challenge, allow=ceremony.descriptors(rows),
            extensions=await extensions(ctx, options.authentication.extensions),
        )
        user_data = {"id": session.user_id if session is not None else ""}
        await open_challenge(ctx, ceremony.challenge_value("authentication", challenge, user_data, None))
        return body

    # tagged ``sign-in``: hooks for every sign-in (a Convex token, …) run for it too; the two-factor plugin
    # challenges it like a password sign-in unless the authenticator verified the user
    @endpoint("/passkey/verify-authentication", "POST", name="verify_passkey_authentication",
              body=VERIFY_AUTHENTICATION_BODY, tags=("sign-in", "passkey"))
    async def verify_passkey_authentication(ctx: RequestContext) -> Any:
        failed = APIError(400, PasskeyErrorCodes.AUTHENTICATION_FAILED)
        # Better Auth's ``APIError("BAD_REQUEST", {message: "origin missing"})``
        origins = expected_origins(ctx, APIError(400, "ORIGIN_MISSING", "origin missing"), failed)
        challenge = await ceremony.consume_challenge(ctx, cookie_key, "authentication")
        response = ctx.body["response"]
        credential_id = response.get("id")
        adapter = ctx.auth.adapter
        row = None
        if isinstance(credential_id, str) and credential_id:
            row = await adapter.find_one(table, [Where("credentialID", credential_id)])
        if row is None:
            raise APIError(401, PasskeyErrorCodes.PASSKEY_NOT_FOUND)
        try:
            public_key = ceremony.decode_public_key(str(row["publicKey"]))
        except ValueError:
            raise failed from None
        counter = int(row.get("counter") or 0)
        verified = ceremony.verify_assertion(
            response, challenge=challenge.expected, origins=origins, rp_id=rp_id(ctx), require_uv=require_uv,
            public_key=public_key, counter=counter,
        )
        if verified is None:
            logger.info("passkey authentication refused for credential of user %s", row["userId"])
            raise failed
        after = options.authentication.after_verification
        if after is not None:  # may refuse the sign-in by raising an APIError
            await after_verification(after, failed, ctx=ctx, verification=verified.verification,
                                     client_data=response)
        # compare-and-set: of two assertions racing past the same stored counter only one moves it
        moved = await adapter.update(table, [Where("id", row["id"]), Where("counter", row.get("counter"))],
                                     {"counter": verified.new_counter})
        if moved is None:
            raise failed
        user = await ctx.auth.store.find_user_by_id(str(row["userId"]))
        if user is None:
            raise APIError(500, PasskeyErrorCodes.USER_NOT_FOUND)
        if verified.user_verified:
            # device + PIN/biometric: two factors already, the two-factor plugin does not ask for a third
            ctx.state[MULTI_FACTOR] = True
        # the central issuing path: session.create hooks (bans, a second factor, plugins) run and may refuse
        new = await create_session(ctx, user, status_on_failure=500)
        set_session_cookies(ctx, new)
        return {"session": new.session, "user": new.user}

    # -- management ------------------------------------------------------------------------------------

    @endpoint("/passkey/list-user-passkeys", "GET", name="list_passkeys", session="session")
    async def list_passkeys(ctx: RequestContext) -> Any:
        session = ctx.session
        assert session is not None
        return [public(ctx, row) for row in await user_passkeys(ctx, session.user_id)]

    @endpoint("/passkey/delete-passkey", "POST", name="delete_passkey", session="sensitive", body=ID_BODY)
    async def delete_passkey(ctx: RequestContext) -> Any:
        row = await owned_passkey(ctx, ctx.body["id"])
        # the owner is part of the delete itself, not only of the check before it
        await ctx.auth.adapter.delete(table, [Where("id", row["id"]), Where("userId", row["userId"])])
        return {"status": True}

    @endpoint("/passkey/update-passkey", "POST", name="update_passkey", session="sensitive", body=UPDATE_BODY)
    async def update_passkey(ctx: RequestContext) -> Any:
        name = storable_name(ctx.body["name"].strip())
        if not name:
            raise validation_error(["[body.name] Too small: expected string to have >=1 characters"])
        row = await owned_passkey(ctx, ctx.body["id"])
        updated = await ctx.auth.adapter.update(table, [Where("id", row["id"]), Where("userId", row["userId"])],
                                                {"name": name})
        if updated is None:
            raise APIError(500, PasskeyErrorCodes.FAILED_TO_UPDATE_PASSKEY)
        return {"passkey": public(ctx, updated)}

    return (
        generate_passkey_registration_options, verify_passkey_registration,
        generate_passkey_authentication_options, verify_passkey_authentication,
        list_passkeys, delete_passkey, update_passkey,
    )
