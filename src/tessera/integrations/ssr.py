"""Server-side rendering with the session: read it on the server, embed it for the client (Better Auth's
"SSR session prefetch"), and keep the page out of shared caches.

::

    data = await auth.resolve_session(headers)  # or the framework helper
    html = f"<html><head>{session_script(data)}</head>..."
    return HTMLResponse(html, headers=ssr_headers())

On the client, read it before the first render instead of fetching ``/get-session``::

    const initial = JSON.parse(document.getElementById("__tessera_session").textContent);

The embedded value is what ``GET /get-session`` answers (``{"session", "user"}`` or ``null``) minus the session
token: a page must not hand script a credential the ``HttpOnly`` cookie keeps away from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._json import dumps_str

if TYPE_CHECKING:
    from ..session.model import SessionData

__all__ = ["ELEMENT_ID", "session_json", "session_payload", "session_script", "ssr_headers"]

ELEMENT_ID = "__tessera_session"
# characters that could end the <script> element or break out of it in some parser; JSON allows escaping them
_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def session_payload(data: SessionData | None) -> dict[str, Any] | None:
    """``get-session``'s answer for this session, without the session token."""
    if data is None:
        return None
    return {"session": {k: v for k, v in data.session.items() if k != "token"}, "user": data.user}


def session_json(data: SessionData | None) -> str:
    """The payload as JSON that is safe inside an HTML ``<script>`` element."""
    text = dumps_str(session_payload(data))
    for char, escape in _ESCAPES.items():
        text = text.replace(char, escape)
    return text


def session_script(data: SessionData | None, *, element_id: str = ELEMENT_ID, nonce: str | None = None) -> str:
    """``<script type="application/json" id=...>`` holding the session, for the client to read at start-up."""
    nonce_attr = f' nonce="{nonce}"' if nonce else ""
    return f'<script type="application/json" id="{element_id}"{nonce_attr}>{session_json(data)}</script>'


def ssr_headers(*, bearer: bool = False) -> dict[str, str]:
    """For any page rendered from the session: private to the browser, and varying with the credential, so
    no shared cache serves one user's page to another and no browser cache outlives a sign-out."""
    return {"Cache-Control": "private", "Vary": "Cookie, Authorization" if bearer else "Cookie"}
