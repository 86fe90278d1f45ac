"""An app with the multi-session plugin on the backend the test runs on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.multi_session import multi_session
from tests._helpers import make_auth
from tests._services import AdapterFactory, _memory

MakeApp = Callable[..., Awaitable[Tessera]]


def build(adapter_factory: AdapterFactory) -> MakeApp:
    async def make(*, maximum_sessions: int = 5, **extra: Any) -> Tessera:
        def app(**more: Any) -> Tessera:
            return make_auth(plugins=[multi_session(maximum_sessions=maximum_sessions)], **extra, **more)

        return app(database=await adapter_factory(app().schema))

    return make


@pytest.fixture
def make_app(adapter_factory: AdapterFactory) -> MakeApp:
    """``await make_app(maximum_sessions=..., **tessera_options)`` over every backend."""
    return build(adapter_factory)


@pytest.fixture
def make_memory_app() -> MakeApp:
    """The quick variant, on the memory adapter only."""
    return build(_memory)
