"""SSR session prefetch: the embedded session is safe inside HTML, carries no token, and the page is private."""

from __future__ import annotations

import json
import re

from tessera import SessionData
from tessera.integrations.ssr import session_payload, session_script, ssr_headers


def session(name: str) -> SessionData:
    return SessionData(
        {"id": "s1", "token": "secret-session-token", "userId": "u1"},
        {"id": "u1", "name": name, "email": "a@example.com"},
    )


def test_script_survives_hostile_user_data_and_round_trips() -> None:
    hostile = "</script><script>alert(1)</script> & \u2028 <!--"
    script = session_script(session(hostile), nonce="n0nce")
    assert script.startswith('<script type="application/json" id="__tessera_session" nonce="n0nce">')
    inner = re.fullmatch(r"<script [^>]*>(.*)</script>", script, re.S)
    assert inner is not None
    assert "<" not in inner.group(1) and ">" not in inner.group(1) and "\u2028" not in inner.group(1)
    assert json.loads(inner.group(1))["user"]["name"] == hostile


def test_payload_is_get_sessions_answer_without_the_token() -> None:
    payload = session_payload(session("Ann"))
    assert payload == {"session": {"id": "s1", "userId": "u1"}, "user": session("Ann").user}
    assert "secret-session-token" not in session_script(session("Ann"))
    assert session_payload(None) is None
    assert session_script(None).endswith(">null</script>")


def test_headers_keep_pages_out_of_shared_caches() -> None:
    assert ssr_headers() == {"Cache-Control": "private", "Vary": "Cookie"}
    assert ssr_headers(bearer=True)["Vary"] == "Cookie, Authorization"
