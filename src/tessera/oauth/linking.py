"""Who a provider identity signs in as, and when it may attach to an existing user.

Identities are keyed by ``(providerId, accountId)`` — the provider's stable subject — never by email
(ASVS 6.8.1). An email only matters when the identity is new and a user with that address already exists;
the identity is then linked *implicitly* only when all of these hold:

* linking is enabled and implicit linking is not disabled;
* the provider vouches for the address (``email_verified``) or is listed in ``trusted_providers``;
* the local user has proven the address too (``emailVerified``). Without this, someone who pre-registered
  the victim's address with a password of their own would share the victim's account once the victim signs in
  with the provider (CVE-2026-53516). Unlike Better Auth this rule has no off switch.

``/link-social`` (``link_identity``) attaches an identity to the signed-in user who started the flow: the
target comes from the server-side state, the session that started it must still be alive, and the identity
must not belong to anyone else (GHSA-g38m-r43w-p2q7).
"""

from __future__ import annotations

import contextlib
from typing import Any

from ..context import AuthContext, RequestContext
from ..crypto.purpose import purpose_keyring
from ..crypto.symmetric import DecryptionError, symmetric_decrypt, symmetric_encrypt
from ..db.adapter import Row, UniqueViolation
from ..errors import APIError
from ..session.issue import create_session
from ..session.model import SessionData
from .provider import OAuth2Tokens, OAuthProvider, UserInfo
from .registry import OAuthRuntime
from .tokens import merge_scopes, token_columns

LINK_SESSION_PURPOSE = "oauth-link-session-token"
_CORE_USER_FIELDS = frozenset({"id", "name", "email", "emailVerified", "image", "createdAt", "updatedAt"})


class OAuthFlowError(Exception):
    """Sign-in with an identity was refused; ``reason`` is Better Auth's message (spaces become ``_`` in URLs)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def comparable_email(raw: str | None) -> str | None:
    """The provider's address, lower-cased, when it may be compared with or stored as a local address.

    ``str.lower()`` (like JavaScript's ``toLowerCase``) folds some non-ASCII characters onto ASCII: KELVIN SIGN
    ``\u212a`` becomes ``k``. A provider vouching for ``\u212aate@example.com`` would be matched to the local,
    verified ``kate@example.com`` and linked to it — an account takeover (validation before normalisation,
    Auth.js GHSA-7rqj-j65f-68wh). Local addresses are ASCII (the sign-up validator), so a non-ASCII provider
    address names nobody here: ``None``, as if the provider had sent none.
    """
    if not raw or not raw.isascii():
        return None
    return raw.lower()


def runtime(auth: AuthContext) -> OAuthRuntime:
    rt: OAuthRuntime = auth.plugin_state["oauth"]
    return rt


def _additional_fields(auth: AuthContext, info: UserInfo) -> dict[str, Any]:
    table = auth.schema["user"]
    return {k: v for k, v in info.fields.items() if k not in _CORE_USER_FIELDS and table.has(k)}


def _account_data(
    auth: AuthContext, provider: OAuthProvider, info: UserInfo, tokens: OAuth2Tokens, user_id: str, scope: str | None
) -> dict[str, Any]:
    return {
        "accountId": info.id,
        "providerId": provider.id,
        "userId": user_id,
        **token_columns(auth, tokens, scope=scope or None),
    }


async def sign_in_with_identity(
    ctx: RequestContext,
    provider: OAuthProvider,
    info: UserInfo,
    tokens: OAuth2Tokens,
    *,
    disable_sign_up: bool,
    callback_url: str | None = None,
) -> tuple[SessionData, bool]:
    """Find or create the user of ``info`` and open a session: ``(session, is_new_user)``."""
    auth = ctx.auth
    policy = runtime(auth).linking
    email = comparable_email(info.email)
    store = auth.store
    is_register = False

    owned = await store.find_account_by_key(provider.id, info.id)
    if owned is not None:
        user: Row | None = owned.pop("user", None)
        if user is None:
            raise OAuthFlowError("unable to link account")  # an account row whose user is gone
        if auth.account_config.update_account_on_sign_in:
            fresh = token_columns(auth, tokens)  # scope is only widened by /link-social
            if fresh:
                await store.update_account(owned["id"], fresh)
        if info.email_verified and not user["emailVerified"] and email == user["email"]:
            user = await store.update_user(user["id"], {"emailVerified": True}) or user
    else:
        if email is None:  # a new identity is matched and created by its address: it must be one
            raise OAuthFlowError("email not found")
        user = await store.find_user_by_email(email)
        if user is not None:
            vouched = info.email_verified or policy.trusts(provider.id)
            if (
                not vouched
                or not user["emailVerified"]
                or not policy.enabled
                or policy.disable_implicit_linking
            ):
                raise OAuthFlowError("account not linked")
            try:
                await store.create_account(_account_data(auth, provider, info, tokens, user["id"], None))
            except Exception as exc:
                raise OAuthFlowError("unable to link account") from exc
            if policy.update_user_info_on_link:
                user = await _copy_profile(auth, user, info)
        else:
            if disable_sign_up:
                raise OAuthFlowError("signup disabled")
            user = await _create_user(auth, provider, info, tokens)
            is_register = True
            await _maybe_send_verification(ctx, provider, user, callback_url)

    if not is_register and provider.options.override_user_info_on_sign_in:
        update = {"name": info.name, "image": info.image, **_additional_fields(auth, info)}
        if email and email != user["email"]:
            update["email"] = email
            update["emailVerified"] = info.email_verified
        elif info.email_verified:
            update["emailVerified"] = True
        # if the provider's new address belongs to another user here, keep ours
        with contextlib.suppress(UniqueViolation):
            user = await store.update_user(user["id"], {k: v for k, v in update.items() if v is not None}) or user

    if provider.options.require_email_verification and not user["emailVerified"]:
        raise OAuthFlowError("email_not_verified")
    try:
        session = await create_session(ctx, user)
    except APIError as exc:
        if exc.code is not None and exc.code != "FAILED_TO_CREATE_SESSION":
            raise  # a hook's answer (the admin plugin's BANNED_USER): the callback redirects with its code
        raise OAuthFlowError("unable to create session") from exc
    except Exception as exc:
        raise OAuthFlowError("unable to create session") from exc
    return session, is_register


async def _create_user(auth: AuthContext, provider: OAuthProvider, info: UserInfo, tokens: OAuth2Tokens) -> Row:
    now = auth.now()
    data = {
        "name": info.name or "",
        "email": comparable_email(info.email),
        "emailVerified": info.email_verified,
        "image": info.image,
        "createdAt": now,
        "updatedAt": now,
        **_additional_fields(auth, info),
    }
    scope = ",".join(tokens.scopes) or None
    try:
        async with auth.adapter.transaction() as tx:
            user = await auth.store.create_user(data, tx)
            await auth.store.create_account(_account_data(auth, provider, info, tokens, user["id"], scope), tx)
    except UniqueViolation as exc:
        raise OAuthFlowError("unable to create user") from exc
    except Exception as exc:
        raise OAuthFlowError("unable to create user") from exc
    return user


async def _copy_profile(auth: AuthContext, user: Row, info: UserInfo) -> Row:
    """``update_user_info_on_link``: copy the profile, never the email or its verification."""
    update = {"name": info.name, "image": info.image, **_additional_fields(auth, info)}
    update = {k: v for k, v in update.items() if v is not None}
    if not update:
        return user
    return await auth.store.update_user(user["id"], update) or user


async def _maybe_send_verification(
    ctx: RequestContext, provider: OAuthProvider, user: Row, callback_url: str | None
) -> None:
    config = ctx.auth.email_verification
    if user["emailVerified"] or config.send_verification_email is None:
        return
    send_on_sign_up = config.send_on_sign_up
    if send_on_sign_up is None:
        send_on_sign_up = provider.options.require_email_verification
    if not send_on_sign_up:
        return
    from ..api.email_verification import send_verification_email_for

    await send_verification_email_for(ctx, user, callback_url or "/")


# -- /link-social ------------------------------------------------------------------------------------


def seal_link_session(auth: AuthContext, session_token: str) -> str:
    """The session that starts a link, sealed under its own purpose key and carried in the state."""
    return symmetric_encrypt(purpose_keyring(auth.keyring, LINK_SESSION_PURPOSE), session_token)


async def _link_session_live(auth: AuthContext, link: dict[str, Any]) -> bool:
    sealed = link.get("encryptedSessionToken")
    if not isinstance(sealed, str):
        return False
    try:
        token = symmetric_decrypt(purpose_keyring(auth.keyring, LINK_SESSION_PURPOSE), sealed)
    except DecryptionError:
        return False
    data = await auth.store.find_session(token)
    if data is None:
        return False
    return str(data.session["userId"]) == str(link.get("userId")) and data.session["expiresAt"] > auth.now()


async def link_identity(
    ctx: RequestContext, provider: OAuthProvider, info: UserInfo, tokens: OAuth2Tokens, link: dict[str, Any]
) -> str | None:
    """Attach ``info`` to the user that started the link flow; ``None`` on success, else an error code."""
    auth = ctx.auth
    policy = runtime(auth).linking
    if not await _link_session_live(auth, link):
        return "unable_to_link_account"
    if not policy.enabled or not (info.email_verified or policy.trusts(provider.id)):
        return "unable_to_link_account"
    link_email = str(link.get("email", "")).lower()
    if comparable_email(info.email) != link_email and not policy.allow_different_emails:
        return "email_does_not_match"
    user_id = str(link["userId"])
    existing = await auth.store.find_account_by_key(provider.id, info.id)
    if existing is not None:
        existing.pop("user", None)
        if str(existing["userId"]) != user_id:
            return "account_already_linked_to_different_user"
        update = token_columns(auth, tokens, scope=merge_scopes(existing.get("scope"), tokens.scopes) or None)
        await auth.store.update_account(existing["id"], update)
    else:
        try:
            await auth.store.create_account(
                _account_data(auth, provider, info, tokens, user_id, ",".join(tokens.scopes) or None)
            )
        except Exception:
            return "unable_to_link_account"
    if policy.update_user_info_on_link:
        user = await auth.store.find_user_by_id(user_id)
        if user is not None:
            await _copy_profile(auth, user, info)
    return None
