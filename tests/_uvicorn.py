"""Serve a tessera app with uvicorn in a child process (for tests that need a real server or process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

import tessera


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a child Python: this checkout's ``tessera`` first on the path."""
    src = str(Path(tessera.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]), **extra}


@contextmanager
def serve(tmp_path: Path, source: str, attribute: str = "auth") -> Iterator[str]:
    """Write ``source`` as a module, serve ``module:attribute`` on a free port; yields the base URL.
    The module reads its own base URL from ``$BASE_URL``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    module = f"served_app_{port}"
    (tmp_path / f"{module}.py").write_text(source)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"{module}:{attribute}", "--host", "127.0.0.1", "--port", str(port),
         "--app-dir", str(tmp_path), "--log-level", "warning"],
        env=child_env(BASE_URL=base),
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{base}/api/auth/ok", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        yield base
    finally:  # even when the test failed: a server left behind would hold its port and its connections
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
