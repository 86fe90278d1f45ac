"""The hooks that route a social sign-in through the production server.

On the deployment the user is on (a preview), ``/sign-in/social`` and ``/link-social``:

* before: the flow's ``callbackURL`` (already checked against the trusted origins) becomes this deployment's
  ``/callback/:id/oauth-proxy?callbackURL=<it>``, and the provider's ``redirect_uri`` the production server's
  ``/callback/:id`` — the one registered with the provider;
* after: the ``state`` sent to the provider becomes a sealed package carrying the flow (PKCE verifier, nonce,
  return URL), so the production server can finish the exchange without this deployment's database.

On the production server, ``/callback/:id``:

* before: a sealed package is opened, the code exchanged and the identity verified as the core would, and the
  browser sent on to the preview's proxy URL with the sealed profile. That URL must be a trusted origin of the
  production server and exactly a proxy endpoint: the profile carries the provider's tokens, and goes nowhere
  else. A ``state`` that is not a package is left to the core's callback;
* after: a callback that ended on the production server's own proxy URL goes straight to its ``callbackURL``.

The deployment a request comes from counts only when it is a configured trusted origin (never the ``Host``
header alone): it is where the production server will send the identity.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit, urlunsplit

from ... import _json
from ...context import RequestContext
from ...crypto.symmetric import DecryptionError, symmetric_decrypt, symmetric_encrypt
from ...errors import Redirect
from ...hooks import Hook
from ...oauth.endpoints import callback_code, error_redirect, exchange_callback
from ...oauth.state import identifier
from ...security.origins import matches_pattern, origin_of
from .payload import PACKAGE, PROFILE, STATE, build_payload

if TYPE_CHECKING:
    from . import OAuthProxyPlugin

SIGN_IN = frozenset({"sign_in_social", "link_social"})
CALLBACK = frozenset({"callback_oauth"})
_VENDOR_URLS = ("NETLIFY_URL", "RENDER_URL")


def _vendor_base_url() -> str | None:
    vercel = os.environ.get("VERCEL_URL")
    url = f"https://{vercel}" if vercel else next((os.environ[k] for k in _VENDOR_URLS if os.environ.get(k)), None)
    return url if url and origin_of(url) else None


def _production_url(ctx: RequestContext, plugin: OAuthProxyPlugin) -> str | None:
    return plugin.options.production_url or ctx.auth.base_url


def _current_url(ctx: RequestContext, plugin: OAuthProxyPlugin) -> str:
    """This deployment: configured, or the request's origin if the deployment names it as trusted."""
    if plugin.options.current_url:
        return plugin.options.current_url
    if ctx.is_http:
        origin = ctx.request.origin.lower()
        if any(matches_pattern(origin, p) for p in ctx.auth.trusted_origins.configured(ctx.request)):
            return origin
    return _vendor_base_url() or ctx.base_url


def _skip(ctx: RequestContext, plugin: OAuthProxyPlugin) -> bool:
    if ctx.request.headers.get("x-skip-oauth-proxy"):
        return True
    production = _production_url(ctx, plugin)
    if not production:
        return True  # nowhere to proxy to
    current = plugin.options.current_url or (ctx.request.origin if ctx.is_http else None) or _vendor_base_url()
    if not current:
        return False
    return origin_of(production) == origin_of(current)


def _strip(url: str) -> str:
    return url.rstrip("/")


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def sign_in_hooks(plugin: OAuthProxyPlugin) -> tuple[Hook, Hook]:
    async def before(ctx: RequestContext) -> None:
        body = ctx.body
        if not isinstance(body, dict) or not isinstance(body.get("provider"), str) or body.get("idToken") is not None:
            return
        if _skip(ctx, plugin):
            return
        original = body.get("callbackURL") if isinstance(body.get("callbackURL"), str) and body["callbackURL"] else None
        original = original or origin_of(ctx.base_url) or "/"
        base_path = ctx.auth.base_path
        current = origin_of(_current_url(ctx, plugin))
        production = _production_url(ctx, plugin)
        assert production is not None  # _skip
        body["callbackURL"] = (
            f"{current}{base_path}/callback/{quote(body['provider'], safe='')}/oauth-proxy"
            f"?callbackURL={quote(original, safe='')}"
        )
        ctx.base_url_override = _strip(production)
        ctx.state["oauth_proxy"] = True

    async def after(ctx: RequestContext) -> None:
        if not ctx.state.get("oauth_proxy"):
            return
        returned = ctx.returned
        if not isinstance(returned, dict) or not isinstance(returned.get("url"), str):
            return
        url = returned["url"]
        state = parse_qs(urlsplit(url).query).get("state")
        if not state:
            return
        row = await ctx.auth.store.find_verification(identifier(state[0]))
        if row is None or not isinstance(row.get("value"), str):
            return
        package = {"state": state[0], "stateCookie": symmetric_encrypt(plugin.keys[STATE], row["value"]),
                   "isOAuthProxy": True}
        sealed = symmetric_encrypt(plugin.keys[PACKAGE], _json.dumps_str(package))
        proxied = _with_query(url, state=sealed)
        ctx.returned = {**returned, "url": proxied}
        if ctx.response.header("location") is not None:
            ctx.response.set_header("location", proxied)

    return Hook(before, endpoints=SIGN_IN), Hook(after, endpoints=SIGN_IN)


def _proxy_target(ctx: RequestContext, url: Any, provider_id: str) -> str | None:
    """The preview's proxy URL from a flow, if the production server may send an identity there."""
    if not isinstance(url, str) or origin_of(url) is None:
        return None
    if not any(matches_pattern(url, p) for p in ctx.auth.trusted_origins.configured(ctx.request)) and (
        origin_of(url) != origin_of(ctx.base_url)
    ):
        return None
    path = urlsplit(url).path
    base_path = ctx.auth.base_path
    if path not in (f"{base_path}/callback/{provider_id}/oauth-proxy", f"{base_path}/oauth-proxy-callback"):
        return None
    return url


def callback_hooks(plugin: OAuthProxyPlugin) -> tuple[Hook, Hook]:
    async def before(ctx: RequestContext) -> None:
        if ctx.request.method != "GET":
            return  # a form_post callback is first turned into a GET by the core
        query = ctx.query
        sealed = query.get("state")
        if not isinstance(sealed, str) or not sealed:
            return
        try:
            package = _json.loads(symmetric_decrypt(plugin.keys[PACKAGE], sealed))
        except (DecryptionError, ValueError):
            return  # not a proxied flow: the core's callback handles it
        if not isinstance(package, dict) or package.get("isOAuthProxy") is not True:
            return
        state, sealed_flow = package.get("state"), package.get("stateCookie")
        if not isinstance(state, str) or not state or not isinstance(sealed_flow, str):
            return
        default_error = ctx.error_url
        try:
            flow = _json.loads(symmetric_decrypt(plugin.keys[STATE], sealed_flow))
        except (DecryptionError, ValueError):
            raise error_redirect(default_error, "state_mismatch") from None
        if not isinstance(flow, dict):
            raise error_redirect(default_error, "state_mismatch")
        stored_error = flow.get("errorURL")
        error_url: str = stored_error if isinstance(stored_error, str) and stored_error else default_error
        if any(k in query and not isinstance(query[k], str) for k in ("code", "error", "iss", "device_id", "user")):
            raise error_redirect(error_url, "invalid_callback_request")
        provider_id = ctx.params["id"]
        bound = flow.get("providerId")
        expires_at = flow.get("expiresAt")
        if (
            flow.get("oauthState") != state
            or (bound is not None and bound != provider_id)
            or not isinstance(expires_at, int | float)
            or expires_at < ctx.auth.now().timestamp() * 1000
            or not isinstance(flow.get("codeVerifier"), str)
        ):
            raise error_redirect(error_url, "state_mismatch")
        provider, code = callback_code(ctx, provider_id, error_url)
        target = _proxy_target(ctx, flow.get("callbackURL"), provider_id)
        if target is None:
            raise error_redirect(error_url, "invalid_callback_url")
        nonce = flow.get("idTokenNonce") if isinstance(flow.get("idTokenNonce"), str) else None
        info, tokens = await exchange_callback(
            ctx, provider, code=code, code_verifier=flow["codeVerifier"], nonce=nonce, error_url=error_url
        )
        if not info.email:
            raise error_redirect(error_url, "email_not_found")
        request_sign_up = flow.get("requestSignUp") is True
        payload = build_payload(
            info, tokens, provider.id, state=state,
            callback_url=parse_qs(urlsplit(target).query).get("callbackURL", [target])[0],
            new_user_url=flow.get("newUserURL") if isinstance(flow.get("newUserURL"), str) else None,
            error_url=flow.get("errorURL") if isinstance(flow.get("errorURL"), str) else None,
            disable_sign_up=bool(
                (provider.options.disable_implicit_sign_up and not request_sign_up) or provider.options.disable_sign_up
            ),
            timestamp_ms=ctx.auth.now_ms(),
        )
        sealed_profile = symmetric_encrypt(plugin.keys[PROFILE], _json.dumps_str(payload))
        raise Redirect(_with_query(target, profile=sealed_profile))

    async def after(ctx: RequestContext) -> None:
        returned = ctx.returned
        if not isinstance(returned, Redirect):
            return
        location = returned.location
        if "/oauth-proxy?callbackURL" not in location and "/oauth-proxy-callback?callbackURL" not in location:
            return
        production = _production_url(ctx, plugin) or ctx.base_url
        if origin_of(location) is None or origin_of(location) != origin_of(production):
            return
        inner = parse_qs(urlsplit(location).query).get("callbackURL")
        if not inner or not ctx.auth.trusted_origins.is_trusted(inner[0], ctx.request):
            return
        redirect = Redirect(inner[0])
        redirect.headers.extend(h for h in returned.headers if h[0].lower() != "location")
        ctx.returned = redirect

    return Hook(before, endpoints=CALLBACK), Hook(after, endpoints=CALLBACK)
