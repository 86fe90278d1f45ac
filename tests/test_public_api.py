import subprocess
import sys

import tessera


def test_public_surface_is_exactly_all() -> None:
    exported = {name for name in dir(tessera) if not name.startswith("_")}
    modules = {"adapters", "api", "asgi", "auth", "config", "context", "crypto", "db", "endpoints", "errors",
               "hooks", "http", "plugins", "routing", "security", "session", "validation", "migrations", "cli",
               "storage", "integrations", "testing", "jwt", "client", "oauth", "ratelimit", "email", "ssr",
               "outage"}
    assert exported - modules == set(tessera.__all__)


def test_core_imports_without_sqlalchemy_or_redis() -> None:
    code = (
        "import sys; import tessera; from tessera import Tessera; Tessera(secret='x'*40);"
        "bad = [m for m in ('sqlalchemy', 'redis', 'starlette', 'fastapi', 'django', 'flask') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
