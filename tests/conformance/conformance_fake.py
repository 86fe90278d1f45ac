"""A fake third-party service (a CAPTCHA siteverify endpoint, the Pwned Passwords range API) that both servers of
a differential pair call, so neither calls the real one: a thread serving ``handler`` on 127.0.0.1, its URL in an
environment variable the servers read when they start."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeUpstream(BaseHTTPRequestHandler):
    def reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def fake_upstream(handler: type[FakeUpstream], env: str, path: str) -> Iterator[str]:
    """Serve ``handler``; ``$env`` (and the value yielded) is its URL followed by ``path`` meanwhile."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    saved = os.environ.get(env)
    os.environ[env] = url
    try:
        yield url
    finally:
        if saved is None:
            os.environ.pop(env, None)
        else:
            os.environ[env] = saved
        server.shutdown()
