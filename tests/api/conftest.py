"""Fixtures for the account-flow tests: an app on every database backend, and a recorder for mail callbacks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from tests._helpers import make_auth
from tests._services import AdapterFactory

from tessera import Tessera

MakeApp = Callable[..., Awaitable[Tessera]]


@pytest.fixture
def make_app(adapter_factory: AdapterFactory) -> MakeApp:
    """``await make_app(**options)``: ``make_auth`` over the backend this test runs on."""

    async def build(**options: Any) -> Tessera:
        schema = make_auth(**options).schema
        return make_auth(database=await adapter_factory(schema), **options)

    return build


class Clock:
    """Injected time: tests move ``now`` instead of sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Outbox:
    """Stands in for the mail callbacks: records each call's keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def callback(self, kind: str) -> Callable[..., Awaitable[None]]:
        async def record(**kwargs: Any) -> None:
            self.calls.append({"kind": kind, **kwargs})

        return record

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["kind"] == kind]

    def last(self, kind: str) -> dict[str, Any]:
        calls = self.of(kind)
        assert calls, f"no {kind} mail was sent"
        return calls[-1]


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


class FailingHook:
    """A database hook that raises while ``on``: a later step of a unit of work failing."""

    def __init__(self, on: bool = True) -> None:
        self.on = on

    def __call__(self, data: dict[str, Any], ctx: Any) -> None:
        if self.on:
            raise RuntimeError("the database went away")
