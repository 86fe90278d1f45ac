"""Regenerate ``src/tessera/plugins/open_api/operations.json`` from Better Auth's own OpenAPI documents.

    python scripts/openapi_operations.py ba-core.json ba-plugins.json ...

Each argument is what the pinned reference (``tests/reference/node/server.mjs --plugins …,openAPI``) answers on
``GET /api/auth/open-api/generate-schema``. Only Better Auth's *prose* is kept, per ``METHOD /path``: the
``operationId``, ``description`` and the responses beyond the six every operation shares (mostly
``200`` with its schema). Paths, methods, parameters and request bodies are never taken from here: tessera
generates them from its own endpoint definitions.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/tessera/plugins/open_api/operations.json"


def _repaired(response: dict[str, object]) -> dict[str, object]:
    """Better Auth's answers made valid OpenAPI 3.1: a ``required`` list written beside ``schema`` (the anonymous
    plugin's 400) moves into the schema."""
    for media in (response.get("content") or {}).values():  # type: ignore[attr-defined]
        stray = media.pop("required", None)
        if stray is not None and isinstance(media.get("schema"), dict):
            media["schema"].setdefault("required", stray)
    return response


def main(paths: list[str]) -> None:
    table: dict[str, dict[str, object]] = {}
    for name in paths:
        doc = json.loads(Path(name).read_text())
        shared = doc["paths"]["/ok"]["get"]["responses"]
        shared = {k: v for k, v in shared.items() if k != "200"}
        for path, ops in doc["paths"].items():
            if path.startswith("/open-api/"):
                continue
            for method, op in ops.items():
                entry: dict[str, object] = {}
                for key in ("operationId", "description"):
                    if op.get(key) is not None:
                        entry[key] = op[key]
                extra = {k: _repaired(v) for k, v in op["responses"].items() if shared.get(k) != v}
                if extra:
                    entry["responses"] = extra
                table[f"{method.upper()} {path}"] = entry
    OUT.write_text(json.dumps(dict(sorted(table.items())), indent=1, ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(table)} operations")


if __name__ == "__main__":
    main(sys.argv[1:])
