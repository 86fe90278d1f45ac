"""Thin glue between tessera and web frameworks. The core never imports a framework; each module here does.

* ``starlette`` / ``fastapi``: ``install(app, auth)`` mounts the handler and adds the session middleware;
  ``CurrentSession`` / ``OptionalSession`` / ``RequireSession`` dependencies (FastAPI).
* ``litestar``: ``TesseraPlugin(auth)`` mounts the handler and provides the session as a dependency.
* ``django``: ``auth_urls()``, ``TesseraMiddleware`` (``request.auth_session``), ``@session_required``.
* ``flask``: ``TesseraFlask(auth, app)``, ``g.auth_session``, ``@session_required``.
* ``ssr``: embed the session in server-rendered pages, with the right caching headers.

Framework-free pieces they share: ``session.RequestSession`` (one lookup per request, cookies to forward),
``asgi.SessionMiddleware`` and ``portal.Portal`` (one event loop thread for synchronous servers).
"""
