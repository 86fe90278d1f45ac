"""The preview deployment's end of the proxy: ``GET /callback/:id/oauth-proxy`` (and the deprecated
``GET /oauth-proxy-callback``), where the production server sends the browser with the sealed profile.

The payload is opened with the ``oauth-proxy-profile`` key, must be at most ``max_age`` seconds old, and names
the ``state`` of a flow this deployment started. That flow is consumed here — once, atomically, and only with the
``better-auth.state`` cookie of the browser that started it — so a payload is good for one sign-in, in one
browser, for a minute. Where the user goes next (``callbackURL``, ``newUserCallbackURL``, ``errorCallbackURL``),
whether sign-up is allowed and what a link attaches to all come from that local flow, not from the payload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ... import _json
from ...context import RequestContext
from ...crypto.symmetric import DecryptionError, symmetric_decrypt
from ...endpoints import Endpoint, endpoint
from ...errors import Redirect
from ...oauth.endpoints import error_redirect, finish_sign_in
from ...oauth.linking import link_identity, runtime
from ...oauth.state import StateError, consume_state
from ...validation import F, Shape
from .payload import PROFILE, InvalidPayload, read_payload

if TYPE_CHECKING:
    from . import OAuthProxyPlugin

QUERY = Shape({"callbackURL": F("string"), "profile": F("string", optional=True)})


def final_url(flow_callback: str) -> str:
    """The application URL a proxied flow ends at: the ``callbackURL`` its proxy URL carries."""
    inner = parse_qs(urlsplit(flow_callback).query).get("callbackURL")
    return inner[0] if inner else flow_callback


async def complete(ctx: RequestContext, plugin: OAuthProxyPlugin, provider_id: str | None) -> Any:
    default_error = ctx.error_url
    sealed = ctx.query.get("profile")
    if not sealed:
        raise error_redirect(default_error, "missing_profile")
    try:
        data = _json.loads(symmetric_decrypt(plugin.keys[PROFILE], sealed))
        info, tokens, payload = read_payload(data)
    except DecryptionError:
        raise error_redirect(default_error, "invalid_profile") from None
    except (InvalidPayload, ValueError):
        raise error_redirect(default_error, "invalid_payload") from None
    account_provider: str = payload["account"]["providerId"]
    if provider_id is not None and provider_id != account_provider:
        raise error_redirect(default_error, "provider_mismatch")
    age = ctx.auth.now().timestamp() - payload["timestamp"] / 1000
    if age > plugin.options.max_age or age < -10:
        raise error_redirect(default_error, "payload_expired")
    provider = runtime(ctx.auth).get(account_provider)
    try:
        flow = await consume_state(ctx, payload["state"], account_provider)
    except StateError as exc:
        raise error_redirect(exc.error_url or default_error, "state_mismatch") from None
    error_url = flow.error_url or default_error
    if provider is None:
        raise error_redirect(error_url, "oauth_provider_not_found")
    callback_url = final_url(flow.callback_url)
    if flow.link is not None:
        failure = await link_identity(ctx, provider, info, tokens, flow.link)
        if failure is not None:
            raise error_redirect(error_url, failure)
        raise Redirect(callback_url)
    await finish_sign_in(
        ctx, provider, info, tokens, request_sign_up=flow.request_sign_up, callback_url=callback_url,
        new_user_url=flow.new_user_url, error_url=error_url,
    )

def build_endpoints(plugin: OAuthProxyPlugin) -> tuple[Endpoint, ...]:
    # callbackURL is validated against the trusted origins before anything else (``callback_query``)
    @endpoint("/callback/:id/oauth-proxy", "GET", name="oauth_proxy_completion", query=QUERY,
              callback_query=("callbackURL",), tags=("oauth", "oauth-proxy"))
    async def oauth_proxy_completion(ctx: RequestContext) -> Any:
        return await complete(ctx, plugin, ctx.params["id"])

    @endpoint("/oauth-proxy-callback", "GET", name="oauth_proxy", query=QUERY, callback_query=("callbackURL",),
              tags=("oauth", "oauth-proxy"))
    async def oauth_proxy(ctx: RequestContext) -> Any:
        """Deprecated in Better Auth 1.7 (``/callback/:id/oauth-proxy`` replaces it); answered the same way."""
        return await complete(ctx, plugin, None)

    return oauth_proxy_completion, oauth_proxy
