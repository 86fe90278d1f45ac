"""Running the servers the conformance tests talk to: the pinned Better Auth reference and tessera.

* ``ensure_reference_installed``: the project's pinned Better Auth 1.7.24 app in ``tests/reference/node``
  with its ``node_modules`` installed (``npm ci`` once, when missing or older than the lock file).
* ``postgres_admin``: a PostgreSQL server to create throwaway databases on
  (``TESSERA_TEST_POSTGRES``, default ``postgresql://postgres@127.0.0.1:5432/test``).
* ``start_tessera_server`` / ``start_better_auth_server``: start a server on 127.0.0.1 and a free port and
  wait until it answers.

Without Node ≥ 20 / npm or PostgreSQL the dependent tests are skipped, each with a warning that names what
is missing (``-ra`` lists the reasons in the summary).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from tessera_app import SECRET

import tessera

HERE = Path(__file__).resolve().parent
REFERENCE_DIR = HERE.parent / "reference" / "node"
BETTER_AUTH_VERSION = "1.7.24"
#: the same variable ``tests/_services.py`` reads (an SQLAlchemy URL; the driver part is dropped here)
PG_URL_ENV = "TESSERA_TEST_POSTGRES"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"

__all__ = [
    "SECRET",
    "Server",
    "StartBetterAuth",
    "StartTessera",
    "start_better_auth_server",
    "start_tessera_server",
]


def skip_loudly(reason: str) -> None:
    warnings.warn(f"conformance tests skipped: {reason}", stacklevel=2)
    pytest.skip(reason)


# -- Node reference app ------------------------------------------------------------------------------


def _installed_version() -> str | None:
    manifest = REFERENCE_DIR / "node_modules" / "better-auth" / "package.json"
    try:
        return str(json.loads(manifest.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def _install_is_stale() -> bool:
    marker = REFERENCE_DIR / "node_modules" / ".package-lock.json"
    lock = REFERENCE_DIR / "package-lock.json"
    return not marker.exists() or lock.stat().st_mtime > marker.stat().st_mtime


def ensure_reference_installed() -> Path:
    """``npm ci`` in ``tests/reference/node`` if needed; the path, or a loud skip when Node is absent."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        skip_loudly("node and npm (Node >= 20) are needed to run the Better Auth reference")
    assert node is not None and npm is not None
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if not version.startswith("v") or int(version[1:].split(".")[0]) < 20:
        skip_loudly(f"Node >= 20 is needed for the Better Auth reference, found {version or 'nothing'}")
    if _installed_version() != BETTER_AUTH_VERSION or _install_is_stale():
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=REFERENCE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if proc.returncode != 0:
            skip_loudly(f"npm ci failed in {REFERENCE_DIR}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    installed = _installed_version()
    if installed != BETTER_AUTH_VERSION:
        pytest.fail(f"tests/reference/node has better-auth {installed}, expected {BETTER_AUTH_VERSION}")
    return REFERENCE_DIR


# -- PostgreSQL -------------------------------------------------------------------------------------


def postgres_admin() -> str:
    url = os.environ.get(PG_URL_ENV, DEFAULT_PG_URL).replace("postgresql+asyncpg://", "postgresql://")
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        skip_loudly("asyncpg is needed to create the reference database: pip install 'tessera-auth[postgres]'")
    try:
        _pg_execute(url, "select 1")
    except Exception as exc:  # any connection failure means "no PostgreSQL here"
        skip_loudly(f"PostgreSQL not reachable at {url} (set {PG_URL_ENV}): {exc}")
    return url


def _pg_execute(admin_url: str, sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # a private loop: asyncio.run() would reset the thread's current loop under pytest-asyncio
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(run())
    finally:
        loop.close()


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@contextlib.contextmanager
def throwaway_database(admin_url: str, prefix: str) -> Iterator[str]:
    """Create ``<prefix>_<random>``, yield its URL, drop it (``WITH (FORCE)``) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    _pg_execute(admin_url, f'create database "{name}"')
    try:
        yield _with_database(admin_url, name)
    finally:
        with contextlib.suppress(Exception):
            _pg_execute(admin_url, f'drop database if exists "{name}" with (force)')


# -- processes --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    base_url: str
    proc: subprocess.Popen[bytes]
    log: Path
    info: dict[str, object] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.base_url + "/api/auth"

    def log_tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def start_process(
    name: str,
    cmd: list[str],
    *,
    port: int,
    ready_path: str,
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 30.0,
) -> Server:
    handle = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    handle.close()
    server = Server(name, f"http://127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.base_url + ready_path, timeout=1.0).status_code == 200:
                for line in server.log_tail(20000).splitlines():
                    if line.startswith("READY "):
                        server.info = json.loads(line[6:])
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{name} did not become ready within {timeout}s:\n{server.log_tail()}")


def python_env() -> dict[str, str]:
    """The environment for a Python child: the ``tessera`` this test run imports comes first on the path."""
    env = dict(os.environ)
    src = str(Path(tessera.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return env


def start_tessera_server(
    tmp: Path, *, database: str | None = None, hasher: str = "fast", plugins: str = "", cookie_cache: bool = False
) -> Server:
    """tessera under uvicorn; ``database="sqlite"`` means a new SQLite file in ``tmp``, ``None`` memory."""
    port = free_port()
    if database == "sqlite":
        database = f"sqlite+aiosqlite:///{tmp / f'tessera-{port}.db'}"
    cmd = [sys.executable, str(HERE / "tessera_app.py"), "--port", str(port), "--hasher", hasher]
    cmd += ["--plugins", plugins] + (["--cookie-cache"] if cookie_cache else [])
    if database:
        cmd += ["--database", database]
    return start_process(
        "tessera",
        cmd,
        port=port,
        ready_path="/api/auth/ok",
        log=tmp / f"tessera-{port}.log",
        env=python_env(),
    )


def start_better_auth_server(
    tmp: Path,
    reference: Path,
    database_url: str,
    *,
    plugins: str = "",
    cookie_cache: bool = False,
    node_env: str = "production",
) -> Server:
    port = free_port()
    env = dict(os.environ, NODE_ENV=node_env)
    cmd = ["node", "server.mjs", "--port", str(port), "--database-url", database_url, "--plugins", plugins]
    cmd += ["--cookie-cache"] if cookie_cache else []
    return start_process(
        "better-auth",
        cmd,
        port=port,
        ready_path="/healthz",
        log=tmp / f"better-auth-{port}.log",
        env=env,
        cwd=reference,
    )


StartTessera = Callable[..., Server]
StartBetterAuth = Callable[..., Server]


@dataclass
class PluginServers:
    """Both servers with the same plugins: Better Auth on a throwaway PostgreSQL database (``database_url``),
    tessera on a SQLite file (``sqlite_path``); either database may be written to directly by a fixture."""

    better_auth: Server
    tessera: Server
    database_url: str
    sqlite_path: Path
    #: with ``outbox=True``: the file each server (``"better-auth"``, ``"tessera"``) appends the codes it sends to
    outboxes: dict[str, Path] = field(default_factory=dict)


@contextlib.contextmanager
def outbox_env(path: Path | None) -> Iterator[None]:
    """``$OTP_OUTBOX`` set to ``path`` while a server starts (it reads it then), restored afterwards."""
    saved = os.environ.get("OTP_OUTBOX")
    if path is not None:
        os.environ["OTP_OUTBOX"] = str(path)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("OTP_OUTBOX", None)
        else:
            os.environ["OTP_OUTBOX"] = saved


@contextlib.contextmanager
def plugin_servers(
    tmp: Path, reference: Path, postgres_admin_url: str, plugins: str, *, outbox: bool = False
) -> Iterator[PluginServers]:
    """``outbox``: each server appends the codes it sends (email or SMS) to its own ``$OTP_OUTBOX`` file."""
    db = tmp / f"tessera-{plugins.replace(',', '-')}.db"
    outboxes = {name: tmp / f"{name}.jsonl" for name in ("better-auth", "tessera")} if outbox else {}
    with throwaway_database(postgres_admin_url, "tessera_ref") as url:
        with outbox_env(outboxes.get("better-auth")):
            better_auth = start_better_auth_server(tmp, reference, url, plugins=plugins)
        with outbox_env(outboxes.get("tessera")):
            tessera = start_tessera_server(tmp, database=f"sqlite+aiosqlite:///{db}", plugins=plugins)
        try:
            yield PluginServers(better_auth, tessera, url, db, outboxes)
        finally:
            tessera.stop()
            better_auth.stop()


def run_client_script(reference_node: Path, server: Server, script: str, *args: str) -> dict[str, Any]:
    """Run one of the official-client scripts in ``tests/reference/node`` against ``server``; its JSON report,
    after checking that no step threw."""
    proc = subprocess.run(
        ["node", script, "--base-url", server.base_url, *args],
        cwd=reference_node, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, f"client failed:\n{proc.stderr}\n--- server log ---\n{server.log_tail()}"
    result: dict[str, Any] = json.loads(proc.stdout)
    thrown = {name: s["thrown"] for name, s in result["steps"].items() if "thrown" in s}
    assert not thrown, f"the client threw:\n{json.dumps(thrown, indent=2)}"
    return result
