"""The tessera server the conformance tests talk to over real HTTP (uvicorn on 127.0.0.1).

    python tests/conformance/tessera_app.py --port 8123 [--database URL] [--hasher fast|default]

Configured like the pinned Better Auth reference (``tests/reference/node/server.mjs``): same secret,
``base_url = http://127.0.0.1:<port>``, email and password on, rate limiting off, production mode (so
cookies, IP handling and secret checks behave as the reference run with ``NODE_ENV=production``).
The default hasher here is ``ScryptHasher(n=1024, r=8)`` to keep the suite fast; hashes are not
compared across servers, only responses.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from tessera import ScryptHasher, Tessera

#: the reference server's fixed secret (public, NOT a real secret)
SECRET = "tessera-conformance-secret-0123456789abcdef0123456789"


def create_app(port: int, database: Any = None, hasher: str = "fast") -> Tessera:
    password = ScryptHasher(n=1024, r=8) if hasher == "fast" else ScryptHasher()
    return Tessera(
        secret=SECRET,
        base_url=f"http://127.0.0.1:{port}",
        database=database or None,
        email_and_password={"enabled": True, "password": password},
        rate_limit={"enabled": False},
        production=True,
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default=os.environ.get("TESSERA_CONF_DATABASE") or None)
    parser.add_argument("--hasher", choices=("fast", "default"), default="fast")
    args = parser.parse_args()
    app = create_app(args.port, args.database, args.hasher)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
