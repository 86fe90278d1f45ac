"""The plugin model: what plugins contribute, how hooks run, and which collisions are configuration errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tessera import (
    APIError,
    ConfigError,
    Endpoint,
    ErrorCodes,
    Field,
    Plugin,
    RequestContext,
    Response,
    Table,
    TableExtension,
    endpoint,
    hook,
)
from tessera.errors import code
from tessera.plugins.base import RateLimitRule

from ._support import call, make_auth, sign_up

# -- a small plugin made the way the docs say: a factory with typed options ------------------------------


@dataclass(frozen=True)
class GreeterOptions:
    greeting: str = "hello"


@dataclass
class GreeterPlugin(Plugin):
    options: GreeterOptions = field(default_factory=GreeterOptions)


class GreeterErrors(ErrorCodes):
    NOT_FRIENDLY = code("Not friendly")


def greeter(*, greeting: str = "hello") -> GreeterPlugin:
    options = GreeterOptions(greeting)

    @endpoint("/greeter/greet", "GET", tags=("greeter",))
    async def greet(ctx: RequestContext) -> Any:
        return {"greeting": options.greeting, "initialised": ctx.auth.plugin_state.get("greeter")}

    @endpoint("/greeter/raw", "GET")
    async def greet_raw(ctx: RequestContext) -> Any:
        return Response(200, b"raw", [("content-type", "text/plain")])

    def init(context: Any) -> None:
        context.plugin_state["greeter"] = "ready"

    return GreeterPlugin(
        id="greeter",
        endpoints=(greet, greet_raw),
        schema=(
            Table("greeting", (Field("text"), Field("userId"))),
            TableExtension("user", (Field("nickname", required=False),)),
        ),
        error_codes=GreeterErrors,
        rate_limit=(RateLimitRule("/greeter", window=60, max=5),),
        init=init,
        options=options,
    )


def recording_plugin(plugin_id: str, log: list[str]) -> Plugin:
    async def before(ctx: RequestContext) -> None:
        log.append(f"{plugin_id}:before")

    async def after(ctx: RequestContext) -> None:
        log.append(f"{plugin_id}:after")

    return Plugin(id=plugin_id, before=(hook(before),), after=(hook(after),))


# -- contributions -----------------------------------------------------------------------------------------


async def test_plugin_endpoint_is_served_over_http_and_as_a_direct_call() -> None:
    auth = make_auth(plugins=[greeter(greeting="bonjour")])
    response = await call(auth, "GET", "/greeter/greet")
    assert response.status == 200
    assert response.json_body() == {"greeting": "bonjour", "initialised": "ready"}
    assert await auth.api.greet() == {"greeting": "bonjour", "initialised": "ready"}


async def test_plugin_schema_error_codes_and_rate_limits_are_merged() -> None:
    auth = make_auth(plugins=[greeter()])
    assert "greeting" in auth.schema
    assert auth.schema["user"].has("nickname")
    assert auth.error_codes["NOT_FRIENDLY"] == "Not friendly"
    assert auth.error_codes["USER_NOT_FOUND"] == "User not found"
    assert auth.rate_limit_rules == (RateLimitRule("/greeter", window=60, max=5),)
    # the new table is usable through the adapter at once
    row = await auth.adapter.create("greeting", {"id": "g1", "text": "hi", "userId": "u1"})
    assert row["text"] == "hi"


async def test_plugin_lookup_is_typed_by_class_and_by_id() -> None:
    plugin = greeter(greeting="hey")
    auth = make_auth(plugins=[plugin])
    found = auth.plugin(GreeterPlugin)
    assert found is plugin
    assert found.options.greeting == "hey"
    assert auth.plugin("greeter") is plugin
    with pytest.raises(KeyError):
        auth.plugin("bearer")


# -- endpoint hooks --------------------------------------------------------------------------------------


async def test_hooks_run_user_first_then_plugins_in_order() -> None:
    log: list[str] = []

    async def user_before(ctx: RequestContext) -> None:
        log.append("user:before")

    async def user_after(ctx: RequestContext) -> None:
        log.append("user:after")

    auth = make_auth(
        plugins=[recording_plugin("first", log), recording_plugin("second", log)],
        hooks={"before": [hook(user_before)], "after": [hook(user_after)]},
    )
    response = await call(auth, "GET", "/ok")
    assert response.status == 200
    assert log == [
        "user:before", "first:before", "second:before",
        "user:after", "first:after", "second:after",
    ]
    log.clear()
    await auth.api.ok()  # direct calls run the same hooks
    assert log[0] == "user:before" and log[-1] == "second:after" and len(log) == 6


async def test_before_hook_rejects_with_api_error_and_the_endpoint_does_not_run() -> None:
    async def no_example_com(ctx: RequestContext) -> None:
        if ctx.body and str(ctx.body.get("email", "")).endswith("@example.com"):
            raise APIError(403, "DOMAIN_BLOCKED", "Sign-ups from this domain are closed")

    auth = make_auth(hooks={"before": [hook(no_example_com, endpoints=["sign_up_email"])]})
    response = await sign_up(auth, "mallory@example.com")
    assert response.status == 403
    assert response.json_body() == {
        "message": "Sign-ups from this domain are closed", "code": "DOMAIN_BLOCKED"
    }
    assert await auth.context.store.find_user_by_email("mallory@example.com") is None
    assert (await sign_up(auth, "mallory@example.org")).status == 200


async def test_before_hook_answers_early_and_skips_the_handler() -> None:
    async def maintenance(ctx: RequestContext) -> Any:
        return {"maintenance": True}

    auth = make_auth(hooks={"before": [hook(maintenance, tags=["sign-up"])]})
    response = await sign_up(auth)
    assert response.status == 200
    assert response.json_body() == {"maintenance": True}
    assert await auth.context.store.find_user_by_email("alice@example.com") is None


async def test_after_hook_replaces_the_response_and_sees_what_the_handler_returned() -> None:
    seen: list[Any] = []

    async def redact(ctx: RequestContext) -> Any:
        seen.append(ctx.returned)
        if isinstance(ctx.returned, dict):
            return {**ctx.returned, "user": {"id": ctx.returned["user"]["id"]}}
        return None

    auth = make_auth(hooks={"after": [hook(redact, endpoints=["sign_up_email"])]})
    response = await sign_up(auth)
    assert response.status == 200
    body = response.json_body()
    assert set(body) == {"token", "user"} and set(body["user"]) == {"id"}
    assert seen[0]["user"]["email"] == "alice@example.com"


async def test_after_hook_sees_an_error_and_may_turn_it_into_an_answer() -> None:
    async def soften(ctx: RequestContext) -> Any:
        if isinstance(ctx.returned, APIError) and ctx.returned.status == 401:
            return {"signedIn": False}
        return None

    auth = make_auth(hooks={"after": [hook(soften, endpoints=["sign_in_email"])]})
    response = await call(
        auth, "POST", "/sign-in/email", json={"email": "nobody@example.com", "password": "whatever-password"}
    )
    assert response.status == 200
    assert response.json_body() == {"signedIn": False}


async def test_after_hook_reads_the_session_created_by_the_request() -> None:
    created: list[tuple[str, str]] = []

    async def audit(ctx: RequestContext) -> None:
        if ctx.new_session is not None:
            created.append((ctx.endpoint.name, ctx.new_session.user["email"]))

    auth = make_auth(hooks={"after": [hook(audit)]})
    await sign_up(auth)
    await call(auth, "GET", "/get-session")
    assert created == [("sign_up_email", "alice@example.com")]


async def test_hooks_set_headers_and_cookies_on_success_and_on_error() -> None:
    async def tag_request(ctx: RequestContext) -> None:
        ctx.response.set_header("x-request-tag", "abc")

    async def remember_visit(ctx: RequestContext) -> None:
        ctx.response.set_cookie("visited", "yes", ctx.auth.cookies.attrs())

    auth = make_auth(
        plugins=[greeter()],
        hooks={"before": [hook(tag_request)], "after": [hook(remember_visit)]},
    )
    ok = await call(auth, "GET", "/ok")
    assert ok.header("x-request-tag") == "abc"
    assert ok.set_cookies["visited"].startswith("visited=yes;")

    wrong = {"email": "x@example.com", "password": "nope-nope"}
    failed = await call(auth, "POST", "/sign-in/email", json=wrong)
    assert failed.status == 401
    assert failed.header("x-request-tag") == "abc"
    assert "visited" in failed.set_cookies

    raw = await call(auth, "GET", "/greeter/raw")  # an endpoint answering with its own Response
    assert raw.body == b"raw"
    assert raw.header("x-request-tag") == "abc"
    assert "visited" in raw.set_cookies


# -- collisions are configuration errors ------------------------------------------------------------------


def _endpoint(path: str, name: str) -> Endpoint:
    async def handler(ctx: RequestContext) -> Any:
        return {}

    return endpoint(path, "GET", name=name)(handler)


def _routes(*claims: tuple[str, str]) -> list[Plugin]:
    """One plugin per (path, endpoint name)."""
    return [Plugin(f"p{i}", endpoints=(_endpoint(path, name),)) for i, (path, name) in enumerate(claims)]


def _user_fields(*names: str) -> list[Plugin]:
    return [Plugin(f"p{i}", schema=(TableExtension("user", (Field(n),)),)) for i, n in enumerate(names)]


_CORE_CODE_CHANGED = type("E", (ErrorCodes,), {"USER_NOT_FOUND": code("No such user!")})


COLLISIONS: dict[str, tuple[list[Plugin], str]] = {
    "route": (_routes(("/same", "one"), ("/same", "two")), "GET /same is claimed by both 'one' and 'two'"),
    "route-of-core": (_routes(("/get-session", "mine")), "GET /get-session is claimed by both"),
    "parametrised-route": (_routes(("/x/:id", "one"), ("/x/:key", "two")), "claimed by both"),
    "endpoint-name": (_routes(("/a", "same"), ("/b", "same")), "two endpoints are named 'same'"),
    "field": (_user_fields("role", "role"), "field user.role is declared twice"),
    "field-of-core": (_user_fields("email"), "field user.email is declared twice"),
    "table": (
        [Plugin("a", schema=(Table("thing", (Field("x"),)),)), Plugin("b", schema=(Table("thing", ()),))],
        "table 'thing' is declared twice",
    ),
    "plugin-id": ([Plugin("twice"), Plugin("twice")], "plugin 'twice' is configured twice"),
    "error-code": (
        [Plugin("a", error_codes=GreeterErrors), Plugin("b", error_codes=GreeterErrors)],
        "error code NOT_FRIENDLY is declared by both plugins 'a' and 'b'",
    ),
    "error-code-of-core": (
        [Plugin("a", error_codes=_CORE_CODE_CHANGED)], "plugin 'a' redefines error code USER_NOT_FOUND"
    ),
    "rate-limit": (
        [Plugin(p, rate_limit=(RateLimitRule("/x", 10, 1),)) for p in ("a", "b")],
        "rate limit '/x' is set by plugins 'a' and 'b'",
    ),
}


@pytest.mark.parametrize(("plugins", "message"), list(COLLISIONS.values()), ids=list(COLLISIONS))
def test_collisions_are_configuration_errors(plugins: list[Plugin], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        make_auth(plugins=plugins)


def test_a_plugin_may_repeat_a_core_error_code_unchanged() -> None:
    same = type("E", (ErrorCodes,), {"USER_NOT_FOUND": code("User not found")})
    auth = make_auth(plugins=[Plugin("a", error_codes=same), Plugin("b", error_codes=same)])
    assert auth.error_codes["USER_NOT_FOUND"] == "User not found"


def test_a_user_hook_naming_an_unknown_endpoint_is_a_configuration_error() -> None:
    async def noop(ctx: RequestContext) -> None:
        return None

    with pytest.raises(ConfigError, match="no endpoint named sign_in_emial"):
        make_auth(hooks={"before": [hook(noop, endpoints=["sign_in_emial"])]})
