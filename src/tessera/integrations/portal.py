"""One event loop, in a daemon thread, that runs tessera for synchronous servers (WSGI: Flask, Django).

Why not ``asyncio.run`` or asgiref's ``async_to_sync`` per call: each would run tessera on a fresh loop, and an
async database engine's pooled connections belong to the loop that opened them — the second request would hand
a connection to the wrong loop. Every call is sent here instead, to one loop that lives as long as the process.
Synchronous code blocks on ``run()``; code on another loop (Django under ASGI) awaits ``run_async()`` without
blocking its own loop. The background sweeper and background tasks run on this loop too, and ``close()``
(registered ``atexit``) drains them.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import weakref
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ..auth import Tessera

T = TypeVar("T")

__all__ = ["Portal", "portal_for"]


class Portal:
    def __init__(self, auth: Tessera) -> None:
        self.auth = auth
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _ensure(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is not None:
            return loop
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="tessera-portal", daemon=True)
                thread.start()
                self._thread = thread
                asyncio.run_coroutine_threadsafe(self.auth.startup(), loop).result()
                self._loop = loop
                atexit.register(self.close)
        return self._loop

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the portal's loop and wait for it (from synchronous code)."""
        loop = self._ensure()
        if threading.current_thread() is self._thread:
            work.close()
            raise RuntimeError("Portal.run() called from the portal's own loop; await the coroutine instead")
        return asyncio.run_coroutine_threadsafe(work, loop).result()

    async def run_async(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the portal's loop and await it from another loop."""
        loop = self._ensure()
        if asyncio.get_running_loop() is loop:
            return await work
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, loop))

    def close(self) -> None:
        """Shut tessera down on the portal loop (draining background work), then stop the thread."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        atexit.unregister(self.close)
        try:
            asyncio.run_coroutine_threadsafe(self.auth.shutdown(), loop).result()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()


_portals: weakref.WeakKeyDictionary[Tessera, Portal] = weakref.WeakKeyDictionary()
_portals_lock = threading.Lock()


def portal_for(auth: Tessera) -> Portal:
    """The one portal of this ``Tessera`` (every synchronous integration of it shares the same loop)."""
    with _portals_lock:
        portal = _portals.get(auth)
        if portal is None:
            portal = _portals[auth] = Portal(auth)
        return portal
