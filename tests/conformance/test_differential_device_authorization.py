"""Differential cases with the device-authorization plugin on both servers (Better Auth's
``deviceAuthorization({interval: "2s"})``, tessera's ``device_authorization(interval="2s")``): asking for codes
(JSON and form bodies), polling, claiming, approving and denying, and every refusal — statuses, body shapes,
headers, and the RFC 8628 ``error`` / ``error_description`` strings exactly."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conformance_pair import ALLOWED, EVIL, Pair, Side, plugin_pair

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
FORM = {"content-type": "application/x-www-form-urlencoded"}

_NO_STORE_ON_INVALID = (
    "a body that fails validation on /device/code or /device/token: Better Auth refuses it before its noStore "
    "metadata applies, tessera marks every answer of these two endpoints Cache-Control: no-store (and Pragma: "
    "no-cache), refusals included; a cache can only do less with it"
)


def _no_store(*steps: int) -> dict[str, str]:
    return {f"{i}.header:{h}": _NO_STORE_ON_INVALID for i in steps for h in ("cache-control", "pragma")}


# this module's deliberate differences, kept here rather than in the shared table
ALLOWED.update({
    "device: codes": _no_store(2, 3, 7, 8),
    "device: refusals": _no_store(0, 1, 2),
})


@pytest.fixture(scope="session")
def device_pair(reference_node: Path, postgres_admin_url: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    with plugin_pair(tmp_path_factory, reference_node, postgres_admin_url, "deviceAuthorization") as (p, _):
        yield p


def post(s: Side, path: str, body: object = None, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.send("POST", path, json=body, jar=jar, headers={"origin": s.origin})


def form(s: Side, path: str, content: str) -> httpx.Response:
    return s.send("POST", path, content=content, headers=FORM)


def codes(s: Side, **body: Any) -> dict[str, Any]:
    r = post(s, "/device/code", {"client_id": "my-cli", **body})
    assert r.status_code == 200, r.text
    return dict(r.json())


def poll(s: Side, device_code: str, client_id: str = "my-cli", **extra: Any) -> httpx.Response:
    return post(s, "/device/token", {"grant_type": GRANT_TYPE, "device_code": device_code, "client_id": client_id,
                                     **extra})


def verify(s: Side, user_code: str, jar: dict[str, str] | None = None) -> httpx.Response:
    return s.get("/device", params={"user_code": user_code}, jar=jar)


def check_exactly(pair: Pair, case: str, scenario: Callable[[Side], list[httpx.Response]]) -> None:
    """``pair.check``, and the error strings too: the wire comparison checks their kind only."""
    seen: dict[str, list[Any]] = {}

    def recorded(s: Side) -> list[httpx.Response]:
        out = scenario(s)
        seen[s.name] = [errors_of(r) for r in out]
        return out

    pair.check(case, recorded)
    assert seen["better-auth"] == seen["tessera"], seen


def errors_of(r: httpx.Response) -> Any:
    try:
        body = r.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        return {k: body[k] for k in ("error", "error_description", "code", "message", "status", "success")
                if k in body}
    return None


def test_device_codes(device_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        out = [post(s, "/device/code", {"client_id": "my-cli", "scope": "openid profile"})]
        out.append(form(s, "/device/code", "client_id=my-cli&scope=openid+profile"))
        out.append(post(s, "/device/code", {}))
        out.append(post(s, "/device/code", {"client_id": 5}))
        out.append(post(s, "/device/code", {"client_id": ""}))
        out.append(form(s, "/device/code", "client_id=a&client_id=b"))
        out.append(form(s, "/device/code", "client_id=&client_id=b&scope="))
        out.append(form(s, "/device/code", "scope=x"))
        out.append(post(s, "/device/code", {"client_id": "my-cli", "scope": 7}))
        return out

    check_exactly(device_pair, "device: codes", scenario)
    for s in device_pair.sides:
        c = codes(s)
        assert c["verification_uri"] == f"{s.origin}/device"
        assert c["verification_uri_complete"] == f"{s.origin}/device?user_code={c['user_code']}"
        assert (len(c["device_code"]), len(c["user_code"]), c["expires_in"], c["interval"]) == (40, 8, 1800, 2)


def test_device_flow(device_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        alice = s.jars["alice"]
        c = codes(s, scope="read")
        out = [poll(s, c["device_code"]), poll(s, c["device_code"])]  # pending, then slow_down
        out.append(verify(s, c["user_code"]))  # not signed in: status only
        out.append(post(s, "/device/approve", {"userCode": c["user_code"]}, jar=alice))  # not claimed yet
        code = c["user_code"]
        out.append(verify(s, f"{code[:4].lower()}-{code[4:].lower()}", jar=alice))  # claims it
        out.append(post(s, "/device/approve", {"userCode": c["user_code"]}))  # no session
        out.append(post(s, "/device/approve", {"userCode": c["user_code"].lower()}, jar=alice))
        out.append(verify(s, c["user_code"], jar=alice))
        out.append(post(s, "/device/deny", {"userCode": c["user_code"]}, jar=alice))  # already processed
        time.sleep(2.1)
        out.append(poll(s, c["device_code"]))
        time.sleep(2.1)
        out.append(poll(s, c["device_code"]))  # spent
        return out

    check_exactly(device_pair, "device: flow", scenario)


def test_device_denied(device_pair: Pair) -> None:
    def scenario(s: Side) -> list[httpx.Response]:
        alice = s.jars["alice"]
        c = codes(s)
        out = [verify(s, c["user_code"], jar=alice)]
        out.append(post(s, "/device/deny", {"userCode": c["user_code"]}, jar=alice))
        out.append(poll(s, c["device_code"]))
        time.sleep(2.1)
        out.append(poll(s, c["device_code"]))
        return out

    check_exactly(device_pair, "device: denied", scenario)


def test_device_refusals(device_pair: Pair) -> None:
    bob = device_pair.email("bob")
    device_pair.each(lambda s: s.jars.__setitem__("bob", s.sign_up(bob, "Bob")))

    def scenario(s: Side) -> list[httpx.Response]:
        alice, bob_jar = s.jars["alice"], s.jars["bob"]
        c = codes(s)
        other = codes(s, client_id="other-cli")
        out = [
            post(s, "/device/token", {}),
            post(s, "/device/token", {"grant_type": "password", "device_code": "x", "client_id": "my-cli"}),
            post(s, "/device/token", {"grant_type": GRANT_TYPE, "device_code": 5}),
            poll(s, "no-such-code"),
            poll(s, other["device_code"]),  # another client's code
            form(s, "/device/token", f"grant_type={GRANT_TYPE}&device_code={c['device_code']}&client_id=my-cli"),
            s.get("/device"),
            verify(s, "NOPE2345"),
            verify(s, "nope-2345", jar=alice),
            post(s, "/device/approve", {}, jar=alice),
            post(s, "/device/approve", {"userCode": "NOPE2345"}, jar=alice),
            post(s, "/device/deny", {"userCode": c["user_code"]}, jar=alice),  # not claimed
            verify(s, c["user_code"], jar=alice),
            verify(s, c["user_code"], jar=bob_jar),  # someone else's claim: status only
            post(s, "/device/approve", {"userCode": c["user_code"]}, jar=bob_jar),
            post(s, "/device/deny", {"userCode": c["user_code"]}, jar=bob_jar),
            s.send("POST", "/device/approve", json={"userCode": c["user_code"]}, jar=alice, headers={"origin": EVIL}),
        ]
        return out

    check_exactly(device_pair, "device: refusals", scenario)


def test_device_pre_bound(device_pair: Pair) -> None:
    """A code bound to a user by ``user_id`` needs no claim: that user approves it at once, and no one else."""
    def scenario(s: Side) -> list[httpx.Response]:
        alice, bob = s.jars["alice"], s.jars.get("bob") or s.sign_up(device_pair.email(f"bob2-{s.name}"), "Bob")
        alice_id = s.get("/get-session", jar=alice).json()["user"]["id"]
        c = codes(s, user_id=alice_id)
        code = c["user_code"]
        return [
            verify(s, code, jar=bob),  # status only, and no claim
            verify(s, ""),
            post(s, "/device/approve", {"userCode": f"{code[:4].lower()}-{code[4:]}"}, jar=alice),
            verify(s, code, jar=alice),
            poll(s, c["device_code"]),
        ]

    check_exactly(device_pair, "device: pre-bound", scenario)
