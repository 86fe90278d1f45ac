"""``POST /one-tap/callback``, path for path and shape for shape Better Auth 1.7.24's ``oneTap()``.

The ID token is verified by the Google provider of ``tessera.oauth`` (``IDTokenVerifier`` over Google's JWKS,
cached by ``RemoteJWKS``): RS256 only, issuer ``accounts.google.com`` or ``https://accounts.google.com``,
audience (and ``azp``) one of the client ids, expiry with 30 s of leeway, issued within the last hour, and the
``hd`` restriction of ``social_providers["google"]``. Sign-in, sign-up and implicit linking are the core's
``sign_in_with_identity``: an identity attaches to an existing user only when Google vouches for the address
(``email_verified``) and the local user has verified it too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, BaseErrorCodes
from ...jwt import JWTError
from ...oauth.endpoints import OAuthErrorCodes
from ...oauth.linking import OAuthFlowError, sign_in_with_identity
from ...oauth.provider import OAuth2Tokens, OAuthProvider, ProviderError
from ...session.issue import set_session_cookies
from ...validation import F, Shape
from .errors import OneTapErrors

if TYPE_CHECKING:
    from collections.abc import Callable

    from .config import OneTapOptions

CALLBACK_BODY = Shape({"idToken": F("string"), "callbackURL": F("string", optional=True)})
#: what Better Auth records as the account's scope
SCOPES = ["openid", "profile", "email"]


def build_endpoints(options: OneTapOptions, google: Callable[[], OAuthProvider | None]) -> tuple[Endpoint, ...]:
    # callbackURL is checked against the trusted origins by the core, like every body callbackURL
    @endpoint("/one-tap/callback", "POST", name="one_tap_callback", body=CALLBACK_BODY, no_store=True,
              tags=("sign-in", "oauth", "one-tap"))
    async def one_tap_callback(ctx: RequestContext) -> Any:
        provider = google()
        if provider is None:
            raise APIError.of(400, OneTapErrors.GOOGLE_CLIENT_ID_REQUIRED)
        id_token: str = ctx.body["idToken"]
        try:
            claims = await provider.verify_id_token(id_token, None, max_age=provider.id_token_max_age)
        except (JWTError, ProviderError):
            raise APIError.of(400, OneTapErrors.INVALID_ID_TOKEN) from None
        tokens = OAuth2Tokens(id_token=id_token, scopes=list(SCOPES))
        if provider.options.get_user_info is not None:
            info = await provider.options.get_user_info(tokens)
        else:
            # no access token: the claims are the profile (no userinfo request)
            info = await provider.user_info_from_claims(claims, None)
        if info is None or info.id != claims["sub"]:
            raise APIError.of(400, OneTapErrors.INVALID_ID_TOKEN)
        if not info.email:
            raise APIError.of(400, OneTapErrors.EMAIL_NOT_AVAILABLE_IN_TOKEN)
        disable_sign_up = options.disable_signup or provider.options.disable_sign_up
        try:
            session, _ = await sign_in_with_identity(
                ctx, provider, info, tokens, disable_sign_up=disable_sign_up, callback_url=ctx.body.get("callbackURL")
            )
        except OAuthFlowError as exc:
            if exc.reason == "email_not_verified":
                raise APIError(403, BaseErrorCodes.EMAIL_NOT_VERIFIED) from exc
            raise APIError(401, OAuthErrorCodes.OAUTH_LINK_ERROR, exc.reason) from exc
        set_session_cookies(ctx, session)
        return {"token": session.token, "user": session.user}

    return (one_tap_callback,)
