"""Fixtures for the conformance tests; the machinery lives in ``conformance_servers``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance_pair import Pair, open_pair
from conformance_servers import (
    Server,
    StartBetterAuth,
    StartTessera,
    ensure_reference_installed,
    postgres_admin,
    start_better_auth_server,
    start_tessera_server,
    throwaway_database,
)


@pytest.fixture(scope="session")
def reference_node() -> Path:
    """``tests/reference/node`` with better-auth 1.7.24 installed (``npm ci`` once if needed)."""
    return ensure_reference_installed()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    return postgres_admin()


@pytest.fixture(scope="session")
def start_tessera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartTessera]:
    servers: list[Server] = []
    tmp = tmp_path_factory.mktemp("tessera")

    def start(**kwargs: object) -> Server:
        server = start_tessera_server(tmp, **kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def start_better_auth(
    reference_node: Path, postgres_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StartBetterAuth]:
    """``start_better_auth(plugins="bearer")``: the reference on its own throwaway PostgreSQL database."""
    tmp = tmp_path_factory.mktemp("better-auth")
    with contextlib.ExitStack() as stack:

        def start(plugins: str = "", cookie_cache: bool = False) -> Server:
            url = stack.enter_context(throwaway_database(postgres_admin_url, "tessera_ref"))
            server = start_better_auth_server(tmp, reference_node, url, plugins=plugins, cookie_cache=cookie_cache)
            stack.callback(server.stop)  # runs before the database is dropped
            return server

        yield start


@pytest.fixture(scope="session")
def better_auth_server(start_better_auth: StartBetterAuth) -> Server:
    """The pinned Better Auth reference, core only."""
    return start_better_auth()


@pytest.fixture(scope="session")
def pair(better_auth_server: Server, start_tessera: StartTessera) -> Iterator[Pair]:
    """Core only: Better Auth on PostgreSQL, tessera on SQLite (the SQLAlchemy adapter); ``alice`` signed in."""
    with open_pair(better_auth_server, start_tessera(database="sqlite")) as p:
        yield p


@pytest.fixture(scope="session")
def alice(pair: Pair) -> str:
    return pair.email("alice")
