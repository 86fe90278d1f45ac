"""Running one of the official-client scripts in ``tests/reference/node`` against a server, and reading the
report it prints (``client_report.mjs``: per step ``{data, error}`` or what it threw)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from conformance_servers import Server
from conformance_wire import pretty


def run_client(reference: Path, script: str, server: Server, *args: str) -> dict[str, Any]:
    """``node <script> --base-url <server> <args>``; fails the test if it exits non-zero or any step threw."""
    proc = subprocess.run(
        ["node", script, "--base-url", server.base_url, *args],
        cwd=reference, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, f"client failed:\n{proc.stderr}\n--- server log ---\n{server.log_tail()}"
    result: dict[str, Any] = json.loads(proc.stdout)
    thrown = {name: s["thrown"] for name, s in result["steps"].items() if "thrown" in s}
    assert not thrown, f"the client threw:\n{pretty(thrown)}"
    return result


def data(report: dict[str, Any], name: str) -> Any:
    """What step ``name`` answered; it must not have failed."""
    step = report["steps"][name]
    assert step.get("error") is None, (name, step)
    return step["data"]


def error(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The error step ``name`` answered; it must have failed."""
    step = report["steps"][name]
    assert step.get("data") is None and step.get("error"), (name, step)
    result: dict[str, Any] = step["error"]
    return result
