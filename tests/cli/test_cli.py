import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tessera.cli import main


def test_secret_prints_a_fresh_64_hex_secret(capsys) -> None:  # type: ignore[no-untyped-def]
    main(["secret"])
    first = capsys.readouterr().out.strip()
    main(["secret"])
    second = capsys.readouterr().out.strip()
    assert len(first) == 64 and int(first, 16) >= 0 and first != second


def test_generate_emits_tables_and_indexes_per_dialect(capsys) -> None:  # type: ignore[no-untyped-def]
    for dialect in ["sqlite", "postgresql", "mysql"]:
        main(["generate", "--dialect", dialect, "--database", "sqlite:///unused.db"])
        sql = capsys.readouterr().out
        assert "CREATE TABLE" in sql and "session" in sql
        assert "user_email_uidx" in sql or "UNIQUE" in sql
        assert "session_userId_idx" in sql and "account_providerId_accountId_idx" in sql


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_on_sqlite_migrates_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "TESSERA_SECRET": "cli-test-secret-0123456789abcdef0123456789"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tessera.cli", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/api/auth/ok").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not start")
        assert (tmp_path / "tessera.db").exists()
        with httpx.Client(base_url=base, headers={"origin": base}) as client:
            page = client.get("/")
            assert page.status_code == 200 and "Sign up" in page.text
            r = client.post("/api/auth/sign-up/email",
                            json={"email": "cli@example.com", "password": "correct-horse-battery", "name": "C"})
            assert r.status_code == 200
            assert client.get("/api/auth/get-session").json()["user"]["email"] == "cli@example.com"
            assert client.post("/api/auth/sign-out").json() == {"success": True}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    # a second start finds the schema in place and keeps the data
    out = subprocess.run([sys.executable, "-m", "tessera.cli", "migrate", "--dry-run"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "up to date" in out.stdout
