"""Social sign-in endpoints, as Better Auth 1.7 answers them.

``POST /sign-in/social``  redirect flow → 200 ``{url, redirect}`` (+ ``Location``); ``idToken`` → ``{redirect:false,
                          token, user}`` with session cookies
``GET|POST /callback/:id`` the provider's return; a ``form_post`` POST is turned into the equivalent GET (302),
                          the GET redirects (302) to ``callbackURL`` / ``newUserCallbackURL`` with cookies, or to
                          the error URL with ``?error=<code>``
``POST /link-social``     attach another provider identity to the signed-in user
``POST /refresh-token``   refresh at the provider now
``POST /get-access-token`` a valid access token (refreshed when it is about to expire)
``GET /account-info``     the provider's current profile of an account

Every redirect target was validated against the trusted origins when the flow started (the body fields of
``/sign-in/social`` and ``/link-social`` go through ``security.origins``) and is read back from the
server-side state, never from the callback's query.
"""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import urlencode

from ..context import RequestContext
from ..crypto.random import generate_id
from ..endpoints import Endpoint, endpoint
from ..errors import APIError, BaseErrorCodes, ConfigError, ErrorCodes, Redirect, code
from ..http import append_query_params
from ..jwt import JWTError, decode_unverified
from ..session.issue import set_session_cookies
from ..session.resolver import resolve_session
from ..validation import F, Shape, validation_error
from .linking import (
    OAuthFlowError,
    link_identity,
    runtime,
    seal_link_session,
    sign_in_with_identity,
)
from .provider import RESERVED_AUTHORIZATION_PARAMS, OAuth2Tokens, OAuthProvider, ProviderError, UserInfo
from .state import StateError, consume_state, create_state
from .tokens import refresh_account, token_columns, valid_access_token


class OAuthErrorCodes(ErrorCodes):
    OAUTH_LINK_ERROR = code("Unable to link account")
    LINKING_NOT_ALLOWED = code("Account not linked - linking not allowed")
    LINKING_DIFFERENT_EMAILS_NOT_ALLOWED = code("Account not linked - different emails not allowed")
    LINKING_FAILED = code("Account not linked - unable to create account")
    PROVIDER_NOT_SUPPORTED = code("Provider is not supported")
    PROVIDER_NOT_CONFIGURED = code("Account is not associated with a configured social provider.")
    PROVIDER_UNAVAILABLE = code("The identity provider could not be reached")
    TOKEN_REFRESH_NOT_SUPPORTED = code("Provider does not support token refreshing")
    REFRESH_TOKEN_NOT_FOUND = code("Refresh token not found")
    FAILED_TO_REFRESH_ACCESS_TOKEN = code("Failed to refresh access token")
    FAILED_TO_GET_ACCESS_TOKEN = code("Failed to get a valid access token")
    ACCESS_TOKEN_NOT_FOUND = code("Access token not found")
    USER_ID_OR_SESSION_REQUIRED = code("Either userId or session is required")


_SOCIAL_FIELDS = {
    "provider": F("string"),
    "callbackURL": F("string", optional=True),
    "errorCallbackURL": F("string", optional=True),
    "disableRedirect": F("boolean", optional=True),
    "idToken": F("object", optional=True),
    "scopes": F("array", optional=True),
    "requestSignUp": F("boolean", optional=True),
    "loginHint": F("string", optional=True),
    "additionalParams": F("object", optional=True),
    "additionalData": F("object", optional=True),
}
SOCIAL_SIGN_IN_BODY = Shape({**_SOCIAL_FIELDS, "newUserCallbackURL": F("string", optional=True)})
LINK_SOCIAL_BODY = Shape(_SOCIAL_FIELDS)
_CALLBACK_KEYS = ("code", "error", "device_id", "error_description", "state", "user", "iss")


# -- helpers -------------------------------------------------------------------------------------------


def _api_base(ctx: RequestContext) -> str:
    return f"{ctx.base_url}{ctx.auth.base_path}"


def _redirect_uri(ctx: RequestContext, provider: OAuthProvider) -> str:
    return f"{_api_base(ctx)}/callback/{provider.id}"


def error_redirect(url: str, error: str, description: str | None = None) -> Redirect:
    """The 302 of a failed browser flow: ``url?error=<code>[&error_description=…]``."""
    params = {"error": error}
    if description:
        params["error_description"] = description
    return Redirect(append_query_params(url, params))


async def _provider(ctx: RequestContext, provider_id: str) -> OAuthProvider:
    provider = runtime(ctx.auth).get(provider_id)
    if provider is None:
        raise APIError(404, BaseErrorCodes.PROVIDER_NOT_FOUND)
    try:
        await provider.prepare()
    except ProviderError as exc:
        raise APIError(502, OAuthErrorCodes.PROVIDER_UNAVAILABLE) from exc
    return provider


def _check_social_body(body: dict[str, Any]) -> None:
    issues: list[str] = []
    scopes = body.get("scopes")
    if scopes is not None and not all(isinstance(s, str) for s in scopes):
        issues.append("[body.scopes] Invalid input: expected string")
    params = body.get("additionalParams")
    if params is not None:
        if not all(isinstance(v, str) for v in params.values()):
            issues.append("[body.additionalParams] Invalid input: expected string")
        elif any(k in RESERVED_AUTHORIZATION_PARAMS for k in params):
            issues.append(
                "[body.additionalParams] additionalParams cannot include reserved OAuth parameters: "
                + ", ".join(RESERVED_AUTHORIZATION_PARAMS)
            )
    id_token = body.get("idToken")
    if id_token is not None:
        if not isinstance(id_token.get("token"), str):
            issues.append("[body.idToken.token] Invalid input: expected string, received undefined")
        for key in ("nonce", "accessToken", "refreshToken"):
            if id_token.get(key) is not None and not isinstance(id_token[key], str):
                issues.append(f"[body.idToken.{key}] Invalid input: expected string")
    if issues:
        raise validation_error(issues)


async def _authorization_url(
    ctx: RequestContext, provider: OAuthProvider, request: dict[str, Any], link: dict[str, Any] | None = None
) -> str:
    """Store a new flow (state, PKCE verifier, nonce) and build the provider's authorization URL for it;
    ``request`` holds the client's ``scopes``, ``loginHint``, ``additionalParams`` and ``additionalData``."""
    if not provider.authorization_endpoint:
        # refused before a state is written, so a misconfigured provider leaves nothing behind
        error = provider.missing_endpoint("authorization")
        if isinstance(error, ProviderError):
            raise APIError(502, OAuthErrorCodes.PROVIDER_UNAVAILABLE) from error
        raise error
    nonce = generate_id(32) if provider.requires_id_token_nonce else None
    verifier = generate_id(128)
    state = await create_state(
        ctx, code_verifier=verifier, link=link, additional_data=request.get("additionalData"), id_token_nonce=nonce,
        provider_id=provider.id,
    )
    try:
        return await provider.create_authorization_url(
            state=state,
            code_verifier=verifier,
            redirect_uri=_redirect_uri(ctx, provider),
            scopes=request.get("scopes"),
            login_hint=request.get("loginHint"),
            nonce=nonce,
            additional_params=request.get("additionalParams"),
        )
    except ProviderError as exc:
        raise APIError(502, OAuthErrorCodes.PROVIDER_UNAVAILABLE) from exc
    except ConfigError as exc:
        raise APIError(500, BaseErrorCodes.INTERNAL_SERVER_ERROR, str(exc)) from exc


async def _start_redirect_flow(
    ctx: RequestContext, provider: OAuthProvider, link: dict[str, Any] | None = None
) -> dict[str, Any]:
    url = await _authorization_url(ctx, provider, ctx.body, link)
    redirect = not ctx.body.get("disableRedirect")
    if redirect:
        ctx.response.set_header("location", url)
    return {"url": url, "redirect": redirect}


async def _restart_idp_initiated(ctx: RequestContext, provider_id: str) -> str | None:
    """A provider that starts the flow itself sends a code without ``state``. Such a code is never redeemed
    (nothing ties it to this browser); for a provider that allows it, the flow restarts here with a fresh
    state, PKCE verifier and nonce: the authorization URL to send the browser to, or ``None``."""
    provider = runtime(ctx.auth).get(provider_id)
    if provider is None or not provider.allows_idp_initiated:
        return None
    try:
        await provider.prepare()
        return await _authorization_url(ctx, provider, {})
    except (ProviderError, APIError):
        return None


async def _identity_from_id_token(ctx: RequestContext, provider: OAuthProvider) -> tuple[UserInfo, OAuth2Tokens]:
    """Verify a client-submitted ID token (One Tap, native SDKs) and read who it names."""
    id_token: dict[str, Any] = ctx.body["idToken"]
    if not provider.supports_id_token_sign_in:
        raise APIError(404, BaseErrorCodes.ID_TOKEN_NOT_SUPPORTED)
    try:
        claims = await provider.verify_id_token(
            id_token["token"], id_token.get("nonce"), max_age=provider.id_token_max_age
        )
    except (JWTError, ProviderError) as exc:
        raise APIError(401, BaseErrorCodes.INVALID_TOKEN) from exc
    tokens = OAuth2Tokens(
        access_token=id_token.get("accessToken"),
        refresh_token=id_token.get("refreshToken"),
        id_token=id_token["token"],
    )
    info = await provider.user_info_from_claims(claims, tokens, user=id_token.get("user"))
    if info is None:
        raise APIError(401, BaseErrorCodes.FAILED_TO_GET_USER_INFO)
    if not info.email:
        raise APIError(401, BaseErrorCodes.USER_EMAIL_NOT_FOUND)
    return info, tokens


# -- endpoints -----------------------------------------------------------------------------------------


@endpoint("/sign-in/social", "POST", body=SOCIAL_SIGN_IN_BODY, tags=("sign-in", "oauth"))
async def sign_in_social(ctx: RequestContext) -> Any:
    body = ctx.body
    _check_social_body(body)
    provider = await _provider(ctx, body["provider"])
    if body.get("idToken") is None:
        return await _start_redirect_flow(ctx, provider)
    info, tokens = await _identity_from_id_token(ctx, provider)
    disable_sign_up = (
        provider.options.disable_implicit_sign_up and not body.get("requestSignUp")
    ) or provider.options.disable_sign_up
    try:
        session, _ = await sign_in_with_identity(
            ctx, provider, info, tokens, disable_sign_up=disable_sign_up, callback_url=body.get("callbackURL")
        )
    except OAuthFlowError as exc:
        if exc.reason == "email_not_verified":
            raise APIError(403, BaseErrorCodes.EMAIL_NOT_VERIFIED) from exc
        raise APIError(401, OAuthErrorCodes.OAUTH_LINK_ERROR, exc.reason) from exc
    set_session_cookies(ctx, session)
    return {"redirect": False, "token": session.token, "user": session.user}


@endpoint(
    "/callback/:id", ("GET", "POST"), form=True, csrf="none", name="callback_oauth", tags=("sign-in", "oauth")
)
async def callback_oauth(ctx: RequestContext) -> Any:
    provider_id = ctx.params["id"]
    api_base = _api_base(ctx)
    default_error = ctx.error_url
    query = ctx.query
    if ctx.request.method == "POST":
        # response_mode=form_post: the provider POSTs cross-site, where SameSite=Lax cookies are not sent;
        # answer with the equivalent GET so the browser comes back with its cookies
        body = ctx.body if isinstance(ctx.body, dict) else {}
        merged = {k: body[k] for k in _CALLBACK_KEYS if isinstance(body.get(k), str)}
        merged.update({k: query[k] for k in _CALLBACK_KEYS if isinstance(query.get(k), str)})
        raise Redirect(f"{api_base}/callback/{provider_id}?{urlencode(merged)}")
    if any(k in query and not isinstance(query[k], str) for k in _CALLBACK_KEYS):
        raise error_redirect(default_error, "invalid_callback_request")
    state = query.get("state")
    if state is None and query.get("code"):
        restarted = await _restart_idp_initiated(ctx, provider_id)
        if restarted is not None:
            raise Redirect(restarted)
    if not state:
        raise error_redirect(default_error, "state_not_found")
    try:
        # bound to a configured provider only: an unknown one still answers oauth_provider_not_found below
        bound = provider_id if runtime(ctx.auth).get(provider_id) is not None else None
        flow = await consume_state(ctx, state, bound)
    except StateError as exc:
        raise error_redirect(exc.error_url or default_error, exc.code) from None
    error_url = flow.error_url or default_error
    provider, auth_code = callback_code(ctx, provider_id, error_url)
    info, tokens = await exchange_callback(
        ctx, provider, code=auth_code, code_verifier=flow.code_verifier, nonce=flow.id_token_nonce, error_url=error_url
    )
    if flow.link is not None:
        failure = await link_identity(ctx, provider, info, tokens, flow.link)
        if failure is not None:
            raise error_redirect(error_url, failure)
        raise Redirect(flow.callback_url)
    if not info.email:
        raise error_redirect(error_url, "email_not_found")
    await finish_sign_in(
        ctx, provider, info, tokens, request_sign_up=flow.request_sign_up, callback_url=flow.callback_url,
        new_user_url=flow.new_user_url, error_url=error_url,
    )


def callback_code(ctx: RequestContext, provider_id: str, error_url: str) -> tuple[OAuthProvider, str]:
    """The provider and authorization code of a callback whose state checked out; error redirects otherwise."""
    query = ctx.query
    if query.get("error"):
        raise error_redirect(error_url, query["error"], query.get("error_description"))
    auth_code = query.get("code")
    if not auth_code:
        raise error_redirect(error_url, "no_code")
    provider = runtime(ctx.auth).get(provider_id)
    if provider is None:
        raise error_redirect(error_url, "oauth_provider_not_found")
    return provider, auth_code


async def exchange_callback(
    ctx: RequestContext, provider: OAuthProvider, *, code: str, code_verifier: str, nonce: str | None, error_url: str
) -> tuple[UserInfo, OAuth2Tokens]:
    """A callback's code exchanged and its identity verified (issuer, ID-token nonce); error redirects otherwise.
    Shared with the oauth-proxy plugin, whose production server finishes flows started elsewhere."""
    query = ctx.query
    try:
        await provider.prepare()
    except ProviderError:
        raise error_redirect(error_url, "invalid_code") from None
    issuer = provider.issuer
    if query.get("iss") and isinstance(issuer, str) and query["iss"] != issuer:
        raise error_redirect(error_url, "issuer_mismatch")
    if provider.requires_id_token_nonce and not nonce:
        raise error_redirect(error_url, "nonce_binding_missing")
    try:
        tokens = await provider.exchange_code(
            code=code,
            code_verifier=code_verifier,
            redirect_uri=_redirect_uri(ctx, provider),
            device_id=query.get("device_id"),
        )
    except (ProviderError, ConfigError):
        raise error_redirect(error_url, "invalid_code") from None
    info = await provider.get_user_info(tokens, expected_nonce=nonce, user=query.get("user"))
    if info is None:
        raise error_redirect(error_url, "unable_to_get_user_info")
    return info, tokens


async def finish_sign_in(
    ctx: RequestContext, provider: OAuthProvider, info: UserInfo, tokens: OAuth2Tokens, *, request_sign_up: bool,
    callback_url: str, new_user_url: str | None, error_url: str,
) -> NoReturn:
    """Sign in (or up) with a callback's identity, set the session cookie, redirect: the end of a redirect flow."""
    disable_sign_up = (
        provider.options.disable_implicit_sign_up and not request_sign_up
    ) or provider.options.disable_sign_up
    try:
        session, is_register = await sign_in_with_identity(
            ctx, provider, info, tokens, disable_sign_up=disable_sign_up, callback_url=callback_url
        )
    except OAuthFlowError as exc:
        raise error_redirect(error_url, exc.reason.replace(" ", "_")) from None
    except APIError as exc:
        if isinstance(exc, Redirect) or exc.code is None:
            raise
        # e.g. the admin plugin's BANNED_USER: Better Auth redirects with the code and its message
        raise error_redirect(error_url, exc.code, exc.message) from None
    set_session_cookies(ctx, session)
    raise Redirect((new_user_url or callback_url) if is_register else callback_url)


@endpoint("/link-social", "POST", body=LINK_SOCIAL_BODY, session="sensitive", tags=("oauth",))
async def link_social(ctx: RequestContext) -> Any:
    body = ctx.body
    _check_social_body(body)
    session = ctx.session
    assert session is not None
    provider = await _provider(ctx, body["provider"])
    if body.get("idToken") is None:
        link = {
            "userId": session.user_id,
            "email": session.user["email"],
            "encryptedSessionToken": seal_link_session(ctx.auth, session.token),
        }
        return await _start_redirect_flow(ctx, provider, link)

    auth = ctx.auth
    info, tokens = await _identity_from_id_token(ctx, provider)
    policy = runtime(auth).linking
    linked = await auth.store.find_account_by_key(provider.id, info.id)
    if linked is not None:
        linked.pop("user", None)
        if str(linked["userId"]) != session.user_id:
            raise APIError(409, BaseErrorCodes.SOCIAL_ACCOUNT_ALREADY_LINKED)
        await auth.store.update_account(linked["id"], token_columns(auth, tokens))
        return {"url": "", "status": True, "redirect": False}
    if not policy.enabled or not (info.email_verified or policy.trusts(provider.id)):
        raise APIError(401, OAuthErrorCodes.LINKING_NOT_ALLOWED)
    if (info.email or "").lower() != str(session.user["email"]).lower() and not policy.allow_different_emails:
        raise APIError(401, OAuthErrorCodes.LINKING_DIFFERENT_EMAILS_NOT_ALLOWED)
    try:
        await auth.store.create_account(
            {"accountId": info.id, "providerId": provider.id, "userId": session.user_id, **token_columns(auth, tokens)}
        )
    except Exception as exc:
        raise APIError(417, OAuthErrorCodes.LINKING_FAILED) from exc
    return {"url": "", "status": True, "redirect": False}


# -- provider tokens of an account ---------------------------------------------------------------------


def _account_selection(data: Any, where: str) -> dict[str, Any]:
    """Better Auth's strict union: ``{accountId, userId?}`` or ``{useAccountCookie: true, userId?}``."""
    if not isinstance(data, dict):
        raise validation_error([f"[{where}] Invalid input"])
    keys = set(data)
    by_id = isinstance(data.get("accountId"), str) and keys <= {"accountId", "userId"}
    by_cookie = data.get("useAccountCookie") in (True, "true") and keys <= {"useAccountCookie", "userId"}
    if not (by_id or by_cookie) or ("userId" in data and not isinstance(data["userId"], str)):
        raise validation_error([f"[{where}] Invalid input"])
    return data


async def _acting_user_id(ctx: RequestContext, requested: str | None) -> str:
    """The session's user over HTTP (a body ``userId`` never selects the principal); ``userId`` for server calls."""
    data = await resolve_session(ctx, disable_cookie_cache=True)
    if data is None and (ctx.is_http or "cookie" in ctx.request.headers or "authorization" in ctx.request.headers):
        raise APIError(401, BaseErrorCodes.UNAUTHORIZED)
    user_id = data.user_id if data is not None else requested
    if not user_id:
        raise APIError(400, OAuthErrorCodes.USER_ID_OR_SESSION_REQUIRED)
    return user_id


async def _selected_account(ctx: RequestContext, selection: dict[str, Any]) -> dict[str, Any]:
    user_id = await _acting_user_id(ctx, selection.get("userId"))
    account_id = selection.get("accountId")
    if account_id is not None:
        for account in await ctx.auth.store.find_accounts(user_id):
            if account["id"] == account_id:
                return account
    # ``useAccountCookie``: tessera keeps accounts in the database only (no account_data cookie)
    raise APIError(400, BaseErrorCodes.ACCOUNT_NOT_FOUND)


def _account_provider(ctx: RequestContext, account: dict[str, Any]) -> OAuthProvider:
    provider = runtime(ctx.auth).get(account["providerId"])
    if provider is None:
        raise APIError(
            400, OAuthErrorCodes.PROVIDER_NOT_SUPPORTED, f"Provider {account['providerId']} is not supported."
        )
    return provider


@endpoint("/refresh-token", "POST", tags=("oauth",))
async def refresh_token(ctx: RequestContext) -> Any:
    auth = ctx.auth
    account = await _selected_account(ctx, _account_selection(ctx.body, "body"))
    provider = _account_provider(ctx, account)
    if not provider.supports_refresh:
        raise APIError(
            400,
            OAuthErrorCodes.TOKEN_REFRESH_NOT_SUPPORTED,
            f"Provider {account['providerId']} does not support token refreshing.",
        )
    if not account.get("refreshToken"):
        raise APIError(400, OAuthErrorCodes.REFRESH_TOKEN_NOT_FOUND)
    try:
        tokens, used = await refresh_account(auth, provider, account)
    except Exception as exc:
        raise APIError(400, OAuthErrorCodes.FAILED_TO_REFRESH_ACCESS_TOKEN) from exc
    return _without_none(
        {
            "accessToken": tokens.access_token,
            "refreshToken": tokens.refresh_token or used,
            "accessTokenExpiresAt": tokens.access_token_expires_at,
            "refreshTokenExpiresAt": account.get("refreshTokenExpiresAt"),
            "scope": account.get("scope"),
            "idToken": tokens.id_token or account.get("idToken"),
            "providerId": account["providerId"],
            "accountId": account["id"],
        }
    )


@endpoint("/get-access-token", "POST", tags=("oauth",))
async def get_access_token(ctx: RequestContext) -> Any:
    account = await _selected_account(ctx, _account_selection(ctx.body, "body"))
    provider = _account_provider(ctx, account)
    try:
        result = await valid_access_token(ctx.auth, provider, account)
    except Exception as exc:
        raise APIError(400, OAuthErrorCodes.FAILED_TO_GET_ACCESS_TOKEN) from exc
    return _without_none(result)


# no-store (Better Auth sets none): the provider's profile of a signed-in user (ASVS v5.0.0-14.3.2)
@endpoint("/account-info", "GET", no_store=True, tags=("oauth",))
async def account_info(ctx: RequestContext) -> Any:
    account = await _selected_account(ctx, _account_selection(ctx.query, "query"))
    provider = runtime(ctx.auth).get(account["providerId"])
    if provider is None:
        raise APIError(400, OAuthErrorCodes.PROVIDER_NOT_CONFIGURED)
    try:
        current = await valid_access_token(ctx.auth, provider, account)
    except Exception as exc:
        raise APIError(400, OAuthErrorCodes.FAILED_TO_GET_ACCESS_TOKEN) from exc
    if not current["accessToken"]:
        raise APIError(400, OAuthErrorCodes.ACCESS_TOKEN_NOT_FOUND)
    tokens = OAuth2Tokens(access_token=current["accessToken"], id_token=current.get("idToken"))
    try:
        profile = await provider.fetch_profile(tokens)
        if profile is None and tokens.id_token:
            # no profile API: the stored ID token (verified when it was received) is the last known profile
            profile = decode_unverified(tokens.id_token)[1]
        info = await provider.to_user_info(profile, tokens) if profile is not None else None
    except (ProviderError, JWTError):
        info = None
    if info is None:
        raise APIError(401, BaseErrorCodes.FAILED_TO_GET_USER_INFO)
    user = info.account_info_user
    if user is None:
        user = {"id": info.id, "name": info.name, "email": info.email, "image": info.image,
                "emailVerified": info.email_verified}
    return {
        "user": _without_none(user),
        "data": info.data,
        "account": {"id": account["id"], "providerId": account["providerId"], "accountId": account["accountId"]},
    }


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    """``JSON.stringify`` leaves ``undefined`` out."""
    return {k: v for k, v in data.items() if v is not None}


OAUTH_ENDPOINTS: tuple[Endpoint, ...] = (
    sign_in_social,
    callback_oauth,
    link_social,
    refresh_token,
    get_access_token,
    account_info,
)

__all__ = ["OAUTH_ENDPOINTS", "OAuthErrorCodes"]
