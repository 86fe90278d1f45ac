"""Database hooks: before (veto, rewrite, reject) and after (post-commit) around user, session, account and
verification writes — and not one statement more when none is configured."""

from __future__ import annotations

from typing import Any

import pytest

from tessera import APIError, ConfigError, Plugin, RequestContext, Tessera
from tessera.adapters.memory import MemoryAdapter

from ..plugins._support import PASSWORD, call, cookie_header, make_auth, sign_up

CREDENTIALS = {"email": "alice@example.com", "password": PASSWORD}


def hooked(database_hooks: dict[str, Any], **options: Any) -> tuple[Tessera, MemoryAdapter]:
    adapter = MemoryAdapter()
    return make_auth(database=adapter, database_hooks=database_hooks, **options), adapter


# -- no hooks, no extra work ------------------------------------------------------------------------------


async def test_without_hooks_writes_are_the_bare_statements() -> None:
    auth, adapter = hooked({})
    signed_up = await sign_up(auth)
    assert adapter.operations == ["create user", "create account", "create session"]
    adapter.operations.clear()
    await call(auth, "POST", "/sign-out", headers=[cookie_header(signed_up)])
    assert adapter.operations == ["delete session"]  # no read before the delete
    adapter.operations.clear()
    user_id = signed_up.json_body()["user"]["id"]
    assert await auth.context.store.delete_user(user_id) is True
    assert adapter.operations == ["delete_many session", "delete_many account", "delete user"]


async def test_a_hook_on_one_model_adds_nothing_to_writes_of_another() -> None:
    auth, adapter = hooked({"verification": {"delete": {"before": lambda row, ctx: True}}})
    signed_up = await sign_up(auth)
    adapter.operations.clear()
    await call(auth, "POST", "/sign-out", headers=[cookie_header(signed_up)])
    assert adapter.operations == ["delete session"]


# -- create ---------------------------------------------------------------------------------------------


async def test_before_create_rewrites_the_data_written() -> None:
    async def title_case(user: dict[str, Any], ctx: RequestContext | None) -> Any:
        return {"data": {"name": user["name"].upper()}}

    auth, _ = hooked({"user": {"create": {"before": title_case}}})
    response = await sign_up(auth)
    assert response.json_body()["user"]["name"] == "ALICE"
    stored = await auth.context.store.find_user_by_email("alice@example.com")
    assert stored is not None and stored["name"] == "ALICE"


async def test_vetoed_user_create_fails_sign_up_and_writes_nothing() -> None:
    auth, adapter = hooked({"user": {"create": {"before": lambda user, ctx: False}}})
    response = await sign_up(auth)
    assert response.status == 422
    assert response.json_body() == {"message": "Failed to create user", "code": "FAILED_TO_CREATE_USER"}
    assert adapter.tables["user"] == {} and adapter.tables["account"] == {}
    assert response.set_cookies == {}


async def test_vetoed_session_create_fails_with_the_endpoints_own_status() -> None:
    refuse = [False]
    auth, adapter = hooked({"session": {"create": {"before": lambda session, ctx: not refuse[0]}}})
    assert (await sign_up(auth, "alice@example.com")).status == 200
    refuse[0] = True

    signed_in = await call(auth, "POST", "/sign-in/email", json=CREDENTIALS)
    assert signed_in.status == 401
    assert signed_in.json_body() == {
        "message": "Failed to create session", "code": "FAILED_TO_CREATE_SESSION"
    }

    signed_up = await sign_up(auth, "bob@example.com")
    assert signed_up.status == 400
    assert signed_up.json_body()["code"] == "FAILED_TO_CREATE_SESSION"
    # sign-up is one unit of work: the user and account it had inserted are rolled back
    assert await auth.context.store.find_user_by_email("bob@example.com") is None
    assert len(adapter.tables["account"]) == 1


async def test_before_hook_raising_api_error_answers_the_request() -> None:
    banned: set[str] = set()

    async def refuse_banned(session: dict[str, Any], ctx: RequestContext | None) -> None:
        if session["userId"] in banned:
            raise APIError(403, "BANNED_USER", "You have been banned from this application")

    auth, _ = hooked({"session": {"create": {"before": refuse_banned}}})
    banned.add((await sign_up(auth)).json_body()["user"]["id"])
    response = await call(auth, "POST", "/sign-in/email", json=CREDENTIALS)
    assert response.status == 403
    assert response.json_body() == {
        "message": "You have been banned from this application", "code": "BANNED_USER"
    }


async def test_after_create_runs_after_commit_and_never_for_a_rolled_back_write() -> None:
    created: list[str] = []
    refuse_sessions = [True]
    auth, _ = hooked({
        "user": {"create": {"after": lambda user, ctx: created.append(user["email"])}},
        "session": {"create": {"before": lambda session, ctx: not refuse_sessions[0]}},
    })
    assert (await sign_up(auth, "first@example.com")).status == 400
    assert created == []  # the sign-up rolled back: no after-hook for a user that does not exist
    refuse_sessions[0] = False
    assert (await sign_up(auth, "second@example.com")).status == 200
    assert created == ["second@example.com"]


async def test_hooks_receive_the_request_context_or_none_outside_endpoints() -> None:
    calls: list[str | None] = []

    def record(row: dict[str, Any], ctx: RequestContext | None) -> None:
        calls.append(ctx.endpoint.name if ctx is not None else None)

    auth, _ = hooked({"verification": {"create": {"after": record}}, "user": {"create": {"after": record}}})
    await sign_up(auth)
    await auth.context.store.create_verification("id-1", "value", 60)
    assert calls == ["sign_up_email", None]


# -- update ---------------------------------------------------------------------------------------------


async def test_update_hooks_rewrite_veto_and_observe() -> None:
    updated: list[str] = []

    def no_admins(data: dict[str, Any], ctx: RequestContext | None) -> Any:
        if data.get("name") == "admin":
            return False
        return {"data": {"name": data["name"].strip()}} if "name" in data else None

    def observe(row: dict[str, Any], ctx: RequestContext | None) -> None:
        updated.append(row["name"])

    auth, _ = hooked({"user": {"update": {"before": no_admins, "after": observe}}})
    cookie = cookie_header(await sign_up(auth))
    ok = await call(auth, "POST", "/update-user", json={"name": "  Alicia "}, headers=[cookie])
    assert ok.status == 200
    vetoed = await call(auth, "POST", "/update-user", json={"name": "admin"}, headers=[cookie])
    assert vetoed.status == 400
    assert vetoed.json_body() == {"message": "Failed to update user", "code": "FAILED_TO_UPDATE_USER"}
    session = await call(auth, "GET", "/get-session", headers=[cookie])
    assert session.json_body()["user"]["name"] == "Alicia"
    assert updated == ["Alicia"]


# -- delete ---------------------------------------------------------------------------------------------


async def test_delete_hook_gets_the_row_from_the_delete_itself_and_a_veto_keeps_it() -> None:
    seen: list[str] = []
    allow = [False]

    def guard(session: dict[str, Any], ctx: RequestContext | None) -> bool:
        seen.append(session["token"])
        return allow[0]

    auth, adapter = hooked({"session": {"delete": {"before": guard}}})
    signed_up = await sign_up(auth)
    token = signed_up.json_body()["token"]
    adapter.operations.clear()
    signed_out = await call(auth, "POST", "/sign-out", headers=[cookie_header(signed_up)])
    assert signed_out.status == 200
    assert adapter.operations == ["delete session"]  # DELETE … RETURNING, no SELECT first
    assert seen == [token]
    still = await call(auth, "GET", "/get-session", headers=[cookie_header(signed_up)])
    assert still.json_body()["session"]["token"] == token  # vetoed: rolled back, the session lives

    allow[0] = True
    await call(auth, "POST", "/sign-out", headers=[cookie_header(signed_up)])
    gone = await call(auth, "GET", "/get-session", headers=[cookie_header(signed_up)])
    assert gone.json_body() is None


async def test_after_delete_receives_the_deleted_row() -> None:
    deleted: list[dict[str, Any]] = []
    auth, adapter = hooked({"session": {"delete": {"after": lambda row, ctx: deleted.append(row)}}})
    signed_up = await sign_up(auth)
    adapter.operations.clear()
    await call(auth, "POST", "/sign-out", headers=[cookie_header(signed_up)])
    assert adapter.operations == ["delete session"]
    assert [row["token"] for row in deleted] == [signed_up.json_body()["token"]]
    assert deleted[0]["userId"] == signed_up.json_body()["user"]["id"]


async def test_deleting_many_runs_the_hook_per_row_and_keeps_vetoed_rows() -> None:
    seen: list[str] = []
    keep: set[str] = set()

    def guard(session: dict[str, Any], ctx: RequestContext | None) -> bool:
        seen.append(session["token"])
        return session["token"] not in keep

    auth, _ = hooked({"session": {"delete": {"before": guard}}})
    first = await sign_up(auth)
    second = await call(auth, "POST", "/sign-in/email", json=CREDENTIALS)
    keep.add(second.json_body()["token"])
    response = await call(auth, "POST", "/revoke-sessions", headers=[cookie_header(first)])
    assert response.status == 200
    assert sorted(seen) == sorted([first.json_body()["token"], second.json_body()["token"]])
    assert (await call(auth, "GET", "/get-session", headers=[cookie_header(first)])).json_body() is None
    kept = await call(auth, "GET", "/get-session", headers=[cookie_header(second)])
    assert kept.json_body() is not None


async def test_vetoed_user_delete_keeps_the_user_with_its_sessions_and_accounts() -> None:
    auth, adapter = hooked({"user": {"delete": {"before": lambda user, ctx: False}}})
    signed_up = await sign_up(auth)
    user_id = signed_up.json_body()["user"]["id"]
    assert await auth.context.store.delete_user(user_id) is False
    assert user_id in adapter.tables["user"]
    assert len(adapter.tables["session"]) == 1 and len(adapter.tables["account"]) == 1


async def test_consumed_verification_runs_delete_hooks_and_a_veto_keeps_it_usable() -> None:
    allow = [False]
    consumed: list[str] = []
    def observe(row: dict[str, Any], ctx: RequestContext | None) -> None:
        consumed.append(row["value"])

    auth, _ = hooked({"verification": {"delete": {"before": lambda row, ctx: allow[0], "after": observe}}})
    store = auth.context.store
    await store.create_verification("reset:abc", "user-1", 60)
    assert await store.consume_verification("reset:abc") is None
    allow[0] = True
    row = await store.consume_verification("reset:abc")
    assert row is not None and row["value"] == "user-1"
    assert consumed == ["user-1"]
    assert await store.consume_verification("reset:abc") is None


# -- where hooks come from ------------------------------------------------------------------------------


async def test_plugins_add_hooks_declared_and_in_init_after_the_applications() -> None:
    order: list[str] = []

    def step(name: str) -> Any:
        return lambda row, ctx: order.append(name)

    declared = Plugin("declared", database_hooks={"user": {"create": {"before": step("declared")}}})

    def init(context: Any) -> None:
        context.database_hooks.add("user", "create", before=step("init"))

    injected = Plugin("injected", init=init)
    auth = make_auth(
        plugins=[declared, injected], database_hooks={"user": {"create": {"before": step("app")}}}
    )
    await sign_up(auth)
    assert order == ["app", "declared", "init"]
    with pytest.raises(ConfigError, match="only be added while Tessera is built"):
        auth.context.database_hooks.add("user", "create", before=step("late"))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"user": {"insert": {"before": print}}}, "unknown action 'insert'"),
        ({"user": {"create": {"around": print}}}, "unknown key\\(s\\) around"),
        ({"widget": {"create": {"before": print}}}, "unknown model 'widget'"),
        ({"user": {"create": {"before": "not callable"}}}, "not callable"),
    ],
)
def test_invalid_database_hooks_are_configuration_errors(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        make_auth(database_hooks=config)


# -- the same guarantees on real databases ----------------------------------------------------------------


async def test_vetoes_roll_back_and_after_hooks_wait_for_commit_on_every_backend(adapter_factory: Any) -> None:
    refuse_sessions = [True]
    keep_sessions = [True]
    created: list[str] = []
    hooks = {
        "user": {"create": {"after": lambda user, ctx: created.append(user["email"])},
                 "delete": {"before": lambda user, ctx: False}},
        "session": {"create": {"before": lambda session, ctx: not refuse_sessions[0]},
                    "delete": {"before": lambda session, ctx: not keep_sessions[0]}},
    }
    schema = make_auth().schema
    auth = make_auth(database=await adapter_factory(schema), database_hooks=hooks)
    store = auth.context.store

    # a vetoed session rolls back the whole sign-up, and the user's after-hook never runs
    assert (await sign_up(auth, "bob@example.com")).status == 400
    assert await store.find_user_by_email("bob@example.com") is None
    assert created == []

    refuse_sessions[0] = False
    signed_up = await sign_up(auth)
    assert signed_up.status == 200 and created == ["alice@example.com"]
    cookie = cookie_header(signed_up)

    # a vetoed delete is rolled back: the session stays valid
    await call(auth, "POST", "/sign-out", headers=[cookie])
    assert (await call(auth, "GET", "/get-session", headers=[cookie])).json_body() is not None

    # a vetoed user delete keeps the user and everything that belongs to it
    keep_sessions[0] = False
    user_id = signed_up.json_body()["user"]["id"]
    assert await store.delete_user(user_id) is False
    assert await store.find_user_by_id(user_id) is not None
    assert len(await store.find_accounts(user_id)) == 1
    assert (await call(auth, "GET", "/get-session", headers=[cookie])).json_body() is not None
