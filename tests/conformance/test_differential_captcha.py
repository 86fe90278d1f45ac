"""Differential cases with the captcha plugin on both servers (Better Auth's ``captcha()``, tessera's
``captcha()``), one per provider, both sending siteverify requests to one local fake (Better Auth's
``siteVerifyURLOverride``): the answers to a missing, refused, accepted and unverifiable token, and the siteverify
request each server sends (method, content type, body byte for byte)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from conformance_fake import FakeUpstream, fake_upstream
from conformance_pair import PASSWORD, Pair, Side, plugin_pair

ENV = "CAPTCHA_SITEVERIFY_URL"


class SiteVerify(FakeUpstream):
    """Answers by token: ``pass``, ``fail``, ``down`` (a 503), or a JSON verdict answered as it is."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        kind = self.headers.get("content-type", "")
        self.received.append({"path": self.path, "type": kind, "body": body.decode()})
        fields = json.loads(body) if kind.startswith("application/json") else dict(parse_qsl(body.decode()))
        token = fields.get("response", "")
        verdicts = {"pass": {"success": True}, "fail": {"success": False, "error-codes": ["invalid-input-response"]}}
        answer = json.dumps(verdicts.get(token) or (json.loads(token) if token.startswith("{") else {})).encode()
        self.reply(503 if token == "down" else 200, answer, "application/json")


@pytest.fixture(scope="module")
def siteverify() -> Iterator[str]:
    with fake_upstream(SiteVerify, ENV, "/siteverify") as url:
        yield url


@pytest.fixture(scope="module", params=["captchaTurnstile", "captchaRecaptcha", "captchaHcaptcha", "captchaFox"])
def captcha_pair(request: pytest.FixtureRequest, siteverify: str, reference_node: Path, postgres_admin_url: str,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, request.param) as (p, _):
        yield p


def post(s: Side, path: str, body: object, *headers: tuple[str, str]) -> httpx.Response:
    return s.send("POST", path, json=body, headers={"origin": s.origin, **dict(headers)})


def token(value: str | dict[str, Any]) -> tuple[str, str]:
    return ("x-captcha-response", value if isinstance(value, str) else json.dumps(value))


def test_captcha_answers_and_siteverify_requests(captcha_pair: Pair) -> None:
    sent: dict[str, list[dict[str, Any]]] = {}
    alice = captcha_pair.email("alice")
    credentials = {"email": alice, "password": PASSWORD}

    def scenario(s: Side) -> list[httpx.Response]:
        SiteVerify.received.clear()
        ip = ("x-forwarded-for", "203.0.113.9")
        out = [
            post(s, "/sign-in/email", credentials),
            s.send("GET", "/sign-in/email"),
            post(s, "/sign-in/email/", credentials),
            post(s, "/request-password-reset", {"email": alice}),
            post(s, "/sign-in/email", credentials, token("fail")),
            post(s, "/sign-in/email", credentials, token("down")),
            post(s, "/sign-in/email", {**credentials, "password": "wrong-password-1"}, token("pass")),
            post(s, "/sign-in/email", credentials, token("pass"), ip),
            post(s, "/sign-in/email", credentials, token({"success": True, "score": 0.5})),
            post(s, "/sign-in/email", credentials, token({"success": True, "score": 0.9})),
        ]
        sent[s.name] = list(SiteVerify.received)
        return out

    captcha_pair.check("captcha: guarded answers", scenario)
    assert sent["tessera"] == sent["better-auth"], json.dumps(sent, indent=1)
    assert len(sent["tessera"]) == 6 and any("203.0.113.9" in r["body"] for r in sent["tessera"])
