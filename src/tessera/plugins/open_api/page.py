"""The Scalar API reference page: Better Auth's HTML, with everything interpolated escaped.

Three ``<script>`` elements and nothing else that runs: the document (``type="application/json"``, data, never
executed), the inline configuration and the Scalar bundle from ``scalar_url``. With a nonce, all three carry it,
so a ``Content-Security-Policy: script-src 'nonce-…'`` (without ``'unsafe-inline'`` or a CDN host) lets exactly
these run; Scalar itself then loads no further script. Unlike Better Auth's page, the document's JSON cannot
close its ``<script>`` element (``<``, ``>``, ``&`` and the JavaScript line separators are written as ``\\uXXXX``),
the theme is one of Scalar's names and the nonce base64, so no configured string becomes markup.
"""

from __future__ import annotations

import html
import json
from typing import Any

from .config import OpenAPIOptions

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
#: stands for `` nonce="…"`` until a request supplies it
NONCE_SLOT = "\x00nonce\x00"


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (and as a JavaScript literal)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def page_template(document: Any, options: OpenAPIOptions, title: str) -> str:
    """The page with ``NONCE_SLOT`` where each ``<script>`` takes the nonce attribute."""
    title = title.replace("\x00", "")
    configuration = {
        "theme": options.theme,
        "metaData": {"title": f"{title} API", "description": f"API Reference for your {title} instance"},
    }
    integrity = (
        f' integrity="{html.escape(options.scalar_integrity)}" crossorigin="anonymous"'
        if options.scalar_integrity else ""
    )
    return f"""<!doctype html>
<html>
  <head>
    <title>{html.escape(title)} API Reference</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <script id="api-reference" type="application/json"{NONCE_SLOT}>{script_json(document)}</script>
    <script{NONCE_SLOT}>
      document.getElementById("api-reference").dataset.configuration = JSON.stringify({script_json(configuration)});
    </script>
    <script src="{html.escape(options.scalar_url)}"{integrity}{NONCE_SLOT}></script>
  </body>
</html>
"""


def render(template: str, nonce: str | None) -> bytes:
    attribute = f' nonce="{html.escape(nonce)}"' if nonce else ""
    return template.replace(NONCE_SLOT, attribute).encode()
