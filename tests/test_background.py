"""Background work: tracked tasks drained on shutdown with errors logged, or the application's handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any

import pytest

from tessera import Plugin, RequestContext, Tessera, endpoint
from tessera.context import BackgroundRunner

from .plugins._support import call, make_auth


def auth_with_background_endpoint(work: dict[str, Any], **options: Any) -> Tessera:
    """A plugin endpoint that answers at once and leaves ``work["job"]()`` to run in the background
    (or, with ``work["or_await"]``, to the handler if there is one and awaited otherwise)."""

    @endpoint("/later", "POST")
    async def later(ctx: RequestContext) -> Any:
        if work.get("or_await"):
            await ctx.run_in_background_or_await(work["job"]())
        else:
            ctx.run_in_background(work["job"]())
        return {"queued": True}

    return make_auth(plugins=[Plugin("later", endpoints=(later,))], **options)


async def test_default_runner_answers_first_and_shutdown_drains_the_work() -> None:
    release = asyncio.Event()
    done: list[str] = []

    async def job() -> None:
        await release.wait()
        done.append("sent")

    auth = auth_with_background_endpoint({"job": job})
    response = await call(auth, "POST", "/later")
    assert response.json_body() == {"queued": True}
    assert done == []  # the answer did not wait for the work
    assert len(auth.context.background.tasks) == 1
    asyncio.get_running_loop().call_later(0.01, release.set)
    await auth.shutdown()
    assert done == ["sent"]
    assert not auth.context.background.tasks


async def test_failures_are_logged_not_lost(caplog: pytest.LogCaptureFixture) -> None:
    async def job() -> None:
        raise RuntimeError("smtp is down")

    auth = auth_with_background_endpoint({"job": job})
    with caplog.at_level(logging.ERROR, logger="tessera"):
        response = await call(auth, "POST", "/later")
        await auth.context.background.drain()
    assert response.status == 200  # the request does not fail with its background work
    failures = [r for r in caplog.records if r.message == "background task failed"]
    assert len(failures) == 1
    assert failures[0].exc_info is not None and "smtp is down" in str(failures[0].exc_info[1])


async def test_the_applications_handler_receives_the_work() -> None:
    handed: list[Awaitable[Any]] = []
    ran: list[str] = []

    async def job() -> None:
        ran.append("ran")

    auth = auth_with_background_endpoint(
        {"job": job}, advanced={"background_tasks": {"handler": handed.append}}
    )
    await call(auth, "POST", "/later")
    assert len(handed) == 1 and ran == []
    assert not auth.context.background.tasks  # the handler owns it now
    await handed[0]
    assert ran == ["ran"]


async def test_run_in_background_or_await_awaits_without_a_handler() -> None:
    ran: list[str] = []

    async def job() -> None:
        await asyncio.sleep(0)
        ran.append("ran")

    awaiting = auth_with_background_endpoint({"job": job, "or_await": True})
    await call(awaiting, "POST", "/later")
    assert ran == ["ran"]  # done before the answer
    assert not awaiting.context.background.tasks

    handed: list[Awaitable[Any]] = []
    handing = auth_with_background_endpoint(
        {"job": job, "or_await": True}, advanced={"background_tasks": {"handler": handed.append}}
    )
    await call(handing, "POST", "/later")
    assert ran == ["ran"] and len(handed) == 1
    await handed[0]
    assert ran == ["ran", "ran"]


async def test_drain_waits_for_work_started_while_draining_and_cancels_what_outlives_the_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runner = BackgroundRunner()
    finished: list[str] = []

    async def second() -> None:
        finished.append("second")

    async def first() -> None:
        await asyncio.sleep(0.01)
        runner.run(second())  # work spawned by work
        finished.append("first")

    async def forever() -> None:
        await asyncio.Event().wait()

    runner.run(first())
    await runner.drain(timeout=1)
    assert finished == ["first", "second"]

    runner.run(forever())
    with caplog.at_level(logging.WARNING, logger="tessera"):
        await runner.drain(timeout=0.05)
    assert not runner.tasks
    assert any("cancelling 1 background task" in r.message for r in caplog.records)
