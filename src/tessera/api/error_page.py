"""GET /error: the page OAuth flows send users to when nothing better was configured.

Everything taken from the query is HTML-escaped before it is shown (CVE-2025-71404 was this page reflecting
``?error=<script>…`` raw). In production the page is not shown at all: like Better Auth, the user is sent to
``/?error=…`` for the application to explain. With ``on_api_error.error_url`` set, the page is never shown:
the user is sent there with the same parameters (and OAuth failures go there directly).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import urlencode

from ..context import RequestContext
from ..endpoints import endpoint
from ..http import Response, append_query_params

_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Error</title>
    <style>
      body {{ font-family: system-ui, sans-serif; background: #0b0b0b; color: #f5f5f5; margin: 0;
             display: flex; align-items: center; justify-content: center; min-height: 100vh; }}
      main {{ border: 2px solid #333; padding: 2.5rem; max-width: 36rem; width: 100%; }}
      h1 {{ margin: 0 0 1rem; }}
      code {{ font-family: ui-monospace, monospace; border: 1px solid #333; padding: .25rem .5rem; }}
      p {{ color: #aaa; }}
      a {{ color: inherit; }}
    </style>
  </head>
  <body>
    <main>
      <h1>Something went wrong</h1>
      <p>Code: <code>{code}</code></p>
      <p>{description}</p>
      <p><a href="/">Go home</a></p>
    </main>
  </body>
</html>
"""
_DEFAULT_DESCRIPTION = "We encountered an unexpected error. Please try again or return to the home page."


#: error codes are shown only when they look like codes; anything else reads as UNKNOWN (Better Auth 1.7)
_CODE = re.compile(r"['A-Za-z0-9_-]+")


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


@endpoint("/error", "GET", name="error", tags=("error",))
async def error_page(ctx: RequestContext) -> Any:
    raw_code = _first(ctx.query.get("error")) or "UNKNOWN"
    code = raw_code if _CODE.fullmatch(raw_code) else "UNKNOWN"
    description = _first(ctx.query.get("error_description"))
    params = {"error": code, **({"error_description": description} if description else {})}
    # a bare 302 (no content type), as Better Auth's ``new Response(null, {status: 302})``
    if ctx.auth.on_api_error.error_url:
        return Response(302, b"", [("location", append_query_params(ctx.auth.on_api_error.error_url, params))])
    if ctx.auth.production:
        return Response(302, b"", [("location", "/?" + urlencode(params))])
    page = _PAGE.format(code=escape(code), description=escape(description or _DEFAULT_DESCRIPTION))
    return Response(
        200,
        page.encode(),
        [("content-type", "text/html; charset=utf-8"), ("x-content-type-options", "nosniff")],
    )
