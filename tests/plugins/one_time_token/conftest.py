"""An app with the one-time-token plugin, on the backend the test runs on, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.one_time_token import one_time_token
from tests._helpers import make_auth
from tests._services import AdapterFactory
from tests._tokens import Clock

MakeApp = Callable[..., Awaitable[tuple[Tessera, Clock]]]


@pytest.fixture
def make_app(adapter_factory: AdapterFactory) -> MakeApp:
    """``await make_app(plugins=(), tessera={}, **one_time_token_options)`` over every backend:
    ``(auth, clock)``."""

    async def make(*, plugins: tuple[Any, ...] = (), tessera: dict[str, Any] | None = None,
                   **options: Any) -> tuple[Tessera, Clock]:
        clock = Clock(datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC))
        plugin_list = [*plugins, one_time_token(**options)]
        schema = make_auth(plugins=plugin_list, **(tessera or {})).schema
        auth = make_auth(plugins=plugin_list, clock=clock, database=await adapter_factory(schema), **(tessera or {}))
        return auth, clock

    return make
