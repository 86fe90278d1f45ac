"""Which login method a request used: Better Auth's ``defaultResolveMethod``, matched on endpoint names (never
path strings), plus the sign-in routes tessera has that Better Auth's resolver leaves out."""

from __future__ import annotations

from typing import Any

from ...context import RequestContext

#: endpoint name -> method, as Better Auth names them
BY_ENDPOINT = {
    "sign_in_email": "email",
    "sign_up_email": "email",
    "verify_passkey_authentication": "passkey",
    "magic_link_verify": "magic-link",
    "sign_in_email_otp": "email-otp",
    "verify_siwe_message": "siwe",
    # not in Better Auth 1.7.24's resolver (which answers null for them): tessera records them too
    "sign_in_username": "username",
    "sign_in_anonymous": "anonymous",
}


def default_method(ctx: RequestContext) -> str | None:
    name = ctx.endpoint.name
    if name == "callback_oauth":
        provider = ctx.params.get("id")
        return provider or None
    if name == "sign_in_social":
        # an ID-token sign-in issues the session here; the redirect form sets no session cookie, so nothing
        # is recorded for it until its callback
        body: Any = ctx.body
        provider = body.get("provider") if isinstance(body, dict) else None
        return provider if isinstance(provider, str) and provider else None
    return BY_ENDPOINT.get(name)
