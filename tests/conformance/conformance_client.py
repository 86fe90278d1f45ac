"""Reading the report an official-client script prints (``client_report.mjs``: per step ``{data, error}``
or what it threw); ``conformance_servers.run_client_script`` runs the script."""

from __future__ import annotations

from typing import Any


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
