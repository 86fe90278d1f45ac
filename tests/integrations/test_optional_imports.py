"""Integrations are optional for real: the core never imports a framework, and a missing one is named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")
FRAMEWORKS = ("starlette", "fastapi", "litestar", "django", "flask")


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {SRC!r}); {code}"],
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_the_core_and_the_bearer_plugin_import_no_framework() -> None:
    result = run(
        "import tessera, tessera.plugins.bearer, tessera.integrations.ssr, tessera.integrations.portal, "
        "tessera.integrations.asgi; "
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("framework", ["flask", "django", "litestar"])
def test_a_missing_framework_names_the_extra_to_install(framework: str) -> None:
    result = run(f"sys.modules[{framework!r}] = None; import tessera.integrations.{framework}")
    assert result.returncode != 0
    assert f"pip install 'tessera-auth[{framework}]'" in result.stderr
