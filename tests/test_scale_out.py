"""Scale-out, end to end: two real server processes behind a round-robin load balancer.

The deployment docs/deployment.md describes: two uvicorn processes serve the same
configuration, sharing one fresh PostgreSQL database, one Redis (secondary storage, rate-limit counters and the
revocation feed) and one secret. Browsers are ``httpx`` clients whose requests alternate between the instances
with one cookie jar, as behind a load balancer that sets ``X-Forwarded-For``. Everything asserted is what a user
would notice; nothing reaches into either process (one probe edits Redis directly, to show a cache is believed).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tessera.migrations import migrate
from tests._redis import REDIS_URL, RUN_PREFIX
from tests._services import DatabaseServer
from tests._uvicorn import serve

PUBLIC_URL = "http://auth.scale-out.test"  # the load balancer's address: both instances are configured with it
ORIGIN = "http://app.scale-out.test"
SECRET = "scale-out-secret-0123456789abcdef0123456789"
PASSWORD = "correct-horse-battery"
DATA = "better-auth.session_data"

APP = """
from tessera import ScryptHasher, Tessera
from tessera.storage import RedisStorage

storage = RedisStorage({redis!r}, key_prefix={prefix!r})
auth = Tessera(
    secret={secret!r},
    base_url={public!r},
    trusted_origins=[{origin!r}],
    database={database!r},
    secondary_storage=storage,
    email_and_password={{"enabled": True, "password": ScryptHasher(n=1024, r=8)}},
    session={{"store_session_in_database": True, "cookie_cache": {{"enabled": True}}}},
    rate_limit={{"enabled": True, "storage": "secondary-storage"}},
)
"""


@dataclass
class Deployment:
    a: str
    b: str
    redis: Any  # a redis-py client on the shared Redis
    prefix: str
    clients: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    browsers: list[Browser] = field(default_factory=list)

    def browser(self) -> Browser:
        """A new browser on its own client address (rate-limit buckets are per address)."""
        browser = Browser(self, f"198.51.100.{next(self.clients)}")
        self.browsers.append(browser)
        return browser


class Browser:
    """One cookie jar; each request goes to the next instance in turn, unless ``on=`` names one."""

    def __init__(self, deployment: Deployment, address: str) -> None:
        self.deployment = deployment
        self.turn = itertools.cycle([deployment.a, deployment.b])
        self.http = httpx.AsyncClient(headers={"origin": ORIGIN, "x-forwarded-for": address}, timeout=5)

    async def request(self, method: str, path: str, body: Any = None, *, on: str | None = None) -> httpx.Response:
        base = on or next(self.turn)
        return await self.http.request(method, f"{base}/api/auth{path}", json=body)

    async def post(self, path: str, body: Any = None, *, on: str | None = None) -> httpx.Response:
        return await self.request("POST", path, body, on=on)

    async def session(self, *, on: str | None = None) -> Any:
        r = await self.request("GET", "/get-session", on=on)
        assert r.status_code == 200, r.text
        return r.json()

    async def sign_up(self, email: str, *, on: str | None = None) -> httpx.Response:
        r = await self.post("/sign-up/email", {"email": email, "password": PASSWORD, "name": "Alice"}, on=on)
        assert r.status_code == 200, r.text
        return r

    async def sign_in(self, email: str, password: str = PASSWORD, *, on: str | None = None) -> httpx.Response:
        return await self.post("/sign-in/email", {"email": email, "password": password}, on=on)

    def stolen(self) -> Browser:
        """Another browser holding a copy of this one's cookies (a replay of them after sign-out)."""
        thief = self.deployment.browser()
        for cookie in self.http.cookies.jar:
            thief.http.cookies.jar.set_cookie(cookie)
        return thief


def new_email() -> str:
    return f"user-{secrets.token_hex(4)}@example.com"


def sets_cache(r: httpx.Response) -> bool:
    """Whether the response issues a cookie cache (clearing one does not count)."""
    return any(
        header.startswith(f"{DATA}=") and "Max-Age=0" not in header for header in r.headers.get_list("set-cookie")
    )


async def refused_within(browser: Browser, on: str, seconds: float) -> float:
    """Poll ``on`` with ``browser``'s cookies until the session is refused; no response may issue a cache."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        r = await browser.request("GET", "/get-session", on=on)
        assert not sets_cache(r), "a cache cookie was issued for a revoked session"
        if r.json() is None:
            return time.monotonic() - start
        await asyncio.sleep(0.02)
    raise AssertionError(f"{on} still accepts the revoked session after {seconds} s")


async def phone_and_laptop(deployment: Deployment, *, laptop_on: str) -> tuple[Browser, Browser, str]:
    """One user, two devices: signed up on A from the phone, signed in on ``laptop_on`` from the laptop."""
    phone, laptop = deployment.browser(), deployment.browser()
    email = new_email()
    await phone.sign_up(email, on=deployment.a)
    r = await laptop.sign_in(email, on=laptop_on)
    assert r.status_code == 200, r.text
    return phone, laptop, email


async def still_refused(browser: Browser, deployment: Deployment) -> None:
    for on in (deployment.a, deployment.b, deployment.a, deployment.b):
        r = await browser.request("GET", "/get-session", on=on)
        assert r.json() is None and not sets_cache(r)


@pytest.fixture(scope="module")
async def deployment(
    postgresql_server: DatabaseServer, redis_run: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    """Migrate a fresh database once, then start the two instances (killed at teardown, whatever happened)."""
    pytest.importorskip("uvicorn")
    prefix = f"{RUN_PREFIX}scale-out-{secrets.token_hex(4)}:"  # under the run's prefix: deleted at the end
    source = APP.format(secret=SECRET, public=PUBLIC_URL, origin=ORIGIN, database=await postgresql_server.create(),
                        redis=REDIS_URL, prefix=prefix)
    namespace: dict[str, Any] = {}
    exec(compile(source, "scale_out_app", "exec"), namespace)  # the very configuration the instances run
    auth = namespace["auth"]
    try:
        await migrate(auth, apply=True)  # `tessera migrate`, once per deployment, before the instances start
    finally:
        await auth.adapter.close()
        await namespace["storage"].close()
    folder = tmp_path_factory.mktemp("scale-out")
    with ExitStack() as stack:
        a, b = stack.enter_context(serve(folder, source)), stack.enter_context(serve(folder, source))
        # Each instance re-checks, once, the cookie caches read before its revocation feed went live plus the 2 s
        # clock allowance (sessions.md, "Feed liveness"); past that a cache is believed without any I/O, which is
        # what the revocation tests below need in order to mean something.
        await asyncio.sleep(2.2)
        deployment = Deployment(a, b, redis_run[0].client, prefix)
        try:
            yield deployment
        finally:
            for browser in deployment.browsers:
                await browser.http.aclose()


# -- what a user notices ------------------------------------------------------------------------------------


async def test_a_session_made_on_one_instance_is_read_on_the_other(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    browser = deployment.browser()
    email = new_email()
    r = await browser.sign_up(email, on=a)
    assert sets_cache(r)
    assert (await browser.session(on=b))["user"]["email"] == email  # with the cache cookie
    browser.http.cookies.delete(DATA)
    r = await browser.request("GET", "/get-session", on=b)  # without it: B reads the shared store...
    assert r.json()["user"]["email"] == email
    assert sets_cache(r)  # ...and issues its own cache, which A believes
    assert (await browser.session(on=a))["user"]["email"] == email


async def test_sign_out_on_one_instance_is_refused_by_the_other_within_a_second(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    phone, laptop, email = await phone_and_laptop(deployment, laptop_on=a)
    token = (await laptop.session(on=b))["session"]["token"]
    # Show that B answers from the cache cookie alone: change the shared store behind tessera's back (as SQL by
    # hand or a Node deployment could, which is not published); B, believing the cookie, does not see it.
    key = f"{deployment.prefix}{token}"
    stored = json.loads(await deployment.redis.get(key))
    stored["user"]["name"] = "Changed Behind Tessera's Back"
    await deployment.redis.set(key, json.dumps(stored), keepttl=True)
    assert (await laptop.session(on=b))["user"]["name"] == "Alice"

    thief = laptop.stolen()  # session token *and* cache cookie
    assert (await laptop.post("/sign-out", on=a)).status_code == 200
    assert await refused_within(thief, b, 1.0) < 1.0  # the revocation feed, over Redis pub/sub
    await still_refused(thief, deployment)
    assert (await phone.session(on=b))["user"]["email"] == email  # the user's other session is untouched


async def test_revoke_other_sessions_and_change_password_reach_the_other_instance(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    phone, laptop, tablet = deployment.browser(), deployment.browser(), deployment.browser()
    email = new_email()
    await phone.sign_up(email)
    for device in (laptop, tablet):
        assert (await device.sign_in(email)).status_code == 200
        assert await device.session(on=b) is not None  # each now holds a cache cookie B believes

    assert (await phone.post("/revoke-other-sessions", on=a)).status_code == 200
    await refused_within(laptop, b, 1.0)
    await refused_within(tablet, b, 1.0)
    await still_refused(laptop, deployment)
    assert (await phone.session(on=b))["user"]["email"] == email  # the session kept

    desktop = deployment.browser()
    assert (await desktop.sign_in(email, on=b)).status_code == 200
    assert await desktop.session(on=b) is not None
    r = await phone.post("/change-password", {"currentPassword": PASSWORD, "newPassword": "battery-staple-horse",
                                              "revokeOtherSessions": True}, on=a)
    assert r.status_code == 200, r.text
    await refused_within(desktop, b, 1.0)
    await still_refused(desktop, deployment)
    assert (await phone.session(on=b))["user"]["email"] == email  # change-password's new session


async def test_a_profile_update_on_one_instance_is_seen_by_the_other(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    phone, laptop, _ = await phone_and_laptop(deployment, laptop_on=b)
    assert (await laptop.session(on=b))["user"]["name"] == "Alice"
    assert (await phone.post("/update-user", {"name": "Alice Liddell"}, on=a)).status_code == 200
    start = time.monotonic()
    while (await laptop.session(on=b))["user"]["name"] != "Alice Liddell":
        assert time.monotonic() - start < 1.0, "B still shows the old name after 1 s"
        await asyncio.sleep(0.02)


async def test_the_sign_in_limit_is_counted_across_instances(deployment: Deployment) -> None:
    browser = deployment.browser()
    answers = []
    for _ in range(5):  # round robin: A, B, A, B, A
        r = await browser.sign_in(new_email(), "wrong-password-1")
        answers.append((r.url.port, r.status_code))
    ports = [httpx.URL(deployment.a).port, httpx.URL(deployment.b).port]
    assert answers == [(ports[n % 2], status) for n, status in enumerate([401, 401, 401, 429, 429])]
    assert r.json() == {"message": "Too many requests. Please try again later."}
    assert 0 < int(r.headers["x-retry-after"]) <= 10
    other = deployment.browser()  # another client address has its own bucket
    assert (await other.sign_in(new_email(), "wrong-password-1")).status_code == 401


async def test_sessions_made_on_one_instance_are_listed_on_the_other(deployment: Deployment) -> None:
    a, b = deployment.a, deployment.b
    phone, laptop, _ = await phone_and_laptop(deployment, laptop_on=a)
    ids = {(await device.session(on=a))["session"]["id"] for device in (phone, laptop)}
    r = await phone.request("GET", "/list-sessions", on=b)
    assert r.status_code == 200, r.text
    assert {s["id"] for s in r.json()} == ids

