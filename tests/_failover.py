"""The failover drill that ``tests/test_sentinel_failover.py`` and ``tests/test_cluster_failover.py`` run: two
``Tessera`` instances on one Redis URL, signed-in browsers, traffic through the failover, and the checks after it.

``shared_apps(url)`` makes the two instances (one in-memory database, cookie cache on, so the revocation feed
matters) and waits until both feeds are live. ``sign_up_users(auth)`` signs ``USERS`` up.
``traffic_until_recovered`` sends, round after round, a get-session per browser (alternating instances, as behind
a load balancer) and a sign-in, all at once (``traffic_round``), and asserts that every answer is a 200 for the
right user or a 503 ``SERVICE_UNAVAILABLE`` (never a 500, never someone else's session, never "signed out" for a
valid session) and that none takes longer than ``REQUEST_SECONDS`` (or what the test allows), until a round is
answered 200 throughout. ``sessions_survived`` checks that the storage still has every session (a get-session may
be answered from the cache cookie alone), and ``sign_out_is_honoured`` that both feeds are live again, a sign-in
works, and a sign-out on one instance makes the other refuse the old cookies, cache cookie included.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from tessera import Tessera, _json
from tessera.adapters.memory import MemoryAdapter
from tessera.http import Response
from tessera.storage.redis import RedisStorage
from tests._helpers import Client, make_auth
from tests._redis import wait_until_live

PASSWORD = "correct-horse-battery"
UNAVAILABLE = {"message": "Service Unavailable", "code": "SERVICE_UNAVAILABLE"}
#: a request that takes longer than this during the failover counts as a hang (unless the test says otherwise)
REQUEST_SECONDS = 5.0
USERS = ("alice", "bob", "carol")

App = tuple[Tessera, RedisStorage]
#: email -> (the browser signed in as that user, its session token)
Browsers = dict[str, tuple[Client, str]]


@asynccontextmanager
async def shared_apps(url: str) -> AsyncIterator[list[App]]:
    made: list[App] = []
    database = MemoryAdapter()  # one database for both instances; the sessions live in Redis
    try:
        for _ in range(2):
            storage = RedisStorage(url, socket_connect_timeout=1, socket_timeout=2)
            auth = make_auth(
                database=database, secondary_storage=storage, session={"cookie_cache": {"enabled": True}}
            )
            made.append((auth, storage))
            await auth.startup()
            await wait_until_live(auth)
        yield made
    finally:
        for auth, storage in made:
            await auth.shutdown()
            await storage.close()


async def sign_up_users(auth: Tessera) -> Browsers:
    browsers: Browsers = {}
    for name in USERS:
        browser = Client(auth)
        assert (await browser.sign_up(f"{name}@example.com", PASSWORD, name=name)).status == 200
        token = (await browser.get("/get-session")).json_body()["session"]["token"]
        browsers[f"{name}@example.com"] = (browser, token)
    return browsers


def check(response: Response, email: str, token: str | None = None) -> bool:
    """A 200 for ``email`` (and ``token``), or a 503; ``True`` for the 200."""
    if response.status == 503:
        assert response.json_body() == UNAVAILABLE
        return False
    assert response.status == 200, (response.status, response.body)
    body = response.json_body()
    assert body is not None, "a valid session answered as signed out"
    assert body["user"]["email"] == email
    if token is not None:
        assert body["session"]["token"] == token
    return True


@dataclass
class Traffic:
    """What the traffic through a failover got."""

    request_seconds: float = REQUEST_SECONDS
    statuses: Counter[int] = field(default_factory=Counter)
    rounds: int = 0
    slowest: float = 0.0
    recovery: float = 0.0  # seconds from the kill to the first round answered 200 throughout

    async def send(self, call: Awaitable[Response]) -> Response:
        started = time.monotonic()
        response = await asyncio.wait_for(call, self.request_seconds)
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.statuses[response.status] += 1
        return response

    def __str__(self) -> str:
        return (
            f"{dict(self.statuses)} answers over {self.rounds} rounds, recovered {self.recovery:.2f} s after the "
            f"kill, slowest request {self.slowest:.2f} s"
        )


async def traffic_until_recovered(
    apps: list[App], browsers: Browsers, killed: float, within: float, request_seconds: float = REQUEST_SECONDS
) -> Traffic:
    """Rounds of requests from ``killed`` (a ``time.monotonic()``) until one is answered 200 throughout, which
    must come ``within`` seconds; no request may take ``request_seconds``."""
    traffic = Traffic(request_seconds)
    while True:
        assert time.monotonic() - killed < within, f"no recovery in {within} s: {traffic.statuses}"
        if await traffic_round(apps, browsers, traffic):
            traffic.recovery = time.monotonic() - killed
            return traffic
        await asyncio.sleep(0.05)


async def traffic_round(apps: list[App], browsers: Browsers, traffic: Traffic) -> bool:
    """A get-session per browser and a sign-in, sent together; ``True`` when every one is answered 200."""
    traffic.rounds += 1
    auth = apps[traffic.rounds % 2][0]
    expected: list[tuple[str, str | None]] = []
    calls: list[Awaitable[Response]] = []
    for email, (browser, token) in browsers.items():
        browser.auth = auth
        expected.append((email, token))
        calls.append(browser.get("/get-session"))
    email = USERS[traffic.rounds % len(USERS)] + "@example.com"
    expected.append((email, None))
    calls.append(Client(auth).sign_in(email, PASSWORD))
    responses = await asyncio.gather(*(traffic.send(call) for call in calls))
    return all([check(response, email, token) for response, (email, token) in zip(responses, expected, strict=True)])


async def sessions_survived(apps: list[App], browsers: Browsers) -> None:
    """Every browser's session is in the storage, as both instances read it (not only in a cache cookie)."""
    for _, storage in apps:
        for email, (_, token) in browsers.items():
            raw = await storage.get(token)
            assert raw is not None, f"the session of {email} was lost"
            assert _json.loads(raw)["session"]["token"] == token


async def sign_out_is_honoured(apps: list[App], feeds_within: float) -> None:
    """Both feeds live again (within ``feeds_within`` seconds), a sign-in works, and a sign-out on the first
    instance is honoured by the second, cache cookie included."""
    (first, _), (second, _) = apps
    for auth, _ in apps:
        await wait_until_live(auth, feeds_within)
    dave = Client(first)
    assert (await dave.sign_in("alice@example.com", PASSWORD)).status == 200
    assert (await dave.get("/get-session")).json_body()["user"]["email"] == "alice@example.com"
    kept = dict(dave.cookies)
    assert any("session_data" in name for name in kept), kept  # a cache cookie to outrun
    dave.auth = second
    assert (await dave.get("/get-session")).status == 200  # the second instance read it: its cache is in play
    kept = dict(dave.cookies)
    dave.auth = first
    assert (await dave.post("/sign-out")).status == 200
    replay = Client(second)
    replay.cookies = kept
    deadline = time.monotonic() + 2
    while (body := (await replay.get("/get-session")).json_body()) is not None:
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.05)
