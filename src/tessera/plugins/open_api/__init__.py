"""The open-api plugin (Better Auth's ``openAPI()``): an OpenAPI 3.1 document of every endpoint this ``Tessera``
serves, core and plugins, and a Scalar API reference page over it::

    from tessera.plugins.open_api import open_api

    auth = Tessera(..., plugins=[..., open_api()])

``GET /open-api/generate-schema`` answers the document, ``GET /reference`` (``path``) the page. Both are built
once, when ``Tessera`` is built, from the same endpoint definitions and validation schemas the router serves
(``generator.py``); a request only copies bytes out. See docs/open-api.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ... import __version__
from ...api import CORE_ENDPOINTS
from ...context import AuthContext, RequestContext
from ...endpoints import endpoint
from ...errors import APIError
from ...http import Response
from ..base import Plugin, plugin_from_options
from .config import DEFAULT_SCALAR_URL, NonceFactory, OpenAPIOptions, ScalarTheme, check_nonce
from .generator import PLUGIN_ID, generate
from .page import page_template, render

__all__ = [
    "DEFAULT_SCALAR_URL",
    "NonceFactory",
    "OpenAPIDocument",
    "OpenAPIOptions",
    "OpenAPIPlugin",
    "ScalarTheme",
    "open_api",
]


@dataclass(frozen=True)
class OpenAPIDocument:
    """What one ``Tessera`` serves: the document, its JSON, and the reference page with a slot for the nonce."""

    document: dict[str, Any]
    json: bytes
    page: str


class OpenAPIPlugin(Plugin):
    """The plugin object; ``auth.plugin(OpenAPIPlugin).options`` is its ``OpenAPIOptions``."""

    options: OpenAPIOptions

    def __init__(self, options: OpenAPIOptions) -> None:
        @endpoint("/open-api/generate-schema", "GET", name="generate_open_api_schema", tags=("open-api",))
        async def generate_open_api_schema(ctx: RequestContext) -> Any:
            built = built_document(ctx.auth)
            if ctx.is_http:  # the prerendered bytes; a server call gets its own copy of the dict
                return Response(200, built.json, [("content-type", "application/json")])
            return _json_copy(built.document)

        @endpoint(options.path, "GET", name="open_api_reference", tags=("open-api",))
        async def open_api_reference(ctx: RequestContext) -> Any:
            if options.disable_default_reference:
                raise APIError(404, body=b"")  # Better Auth's APIError("NOT_FOUND"): 404, an empty JSON answer
            nonce = options.nonce(ctx.request) if callable(options.nonce) else options.nonce
            page = render(built_document(ctx.auth).page, check_nonce(nonce) if nonce is not None else None)
            return Response(200, page, [("content-type", "text/html; charset=utf-8"),
                                        ("x-content-type-options", "nosniff")])

        super().__init__(
            id=PLUGIN_ID,
            endpoints=(generate_open_api_schema, open_api_reference),
            init=lambda context: _build(context, options),
            options=options,
        )


def built_document(context: AuthContext) -> OpenAPIDocument:
    built: OpenAPIDocument = context.plugin_state[PLUGIN_ID]
    return built


def _json_copy(document: dict[str, Any]) -> dict[str, Any]:
    import copy

    return copy.deepcopy(document)


def _build(context: AuthContext, options: OpenAPIOptions) -> None:
    """Generate the document and the page once, for this ``Tessera``: ``context.plugin_state["open-api"]``."""
    from ... import _json

    document = generate(
        core=CORE_ENDPOINTS,
        plugins=context.extra.get("plugins", ()),
        models=context.extra.get("models", context.schema),
        user_fields=context.user_config.additional_fields,
        disabled_paths=context.extra.get("disabled_paths", ()),
        # relative to where the document is served when no base_url is configured: the Host header never
        # chooses what the document points to
        server_url=(context.base_url or "") + (context.base_path or "/"),
        title=context.app_name,
        version=__version__,
        session_cookie=context.cookies.session_token,
    )
    context.plugin_state[PLUGIN_ID] = OpenAPIDocument(
        document=document, json=_json.dumps(document), page=page_template(document, options, context.app_name)
    )


def open_api(options: OpenAPIOptions | None = None, /, **kwargs: Any) -> OpenAPIPlugin:
    """Better Auth's ``openAPI()`` plugin. Keyword arguments are ``OpenAPIOptions`` fields:
    ``open_api(path="/docs", theme="moon", nonce=lambda request: request.state["csp_nonce"])``."""
    return plugin_from_options("open_api", OpenAPIPlugin, OpenAPIOptions, options, kwargs)
