"""An app with the anonymous plugin on the backend the test runs on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tessera import Tessera
from tessera.plugins.anonymous import anonymous
from tests._helpers import make_auth
from tests._services import AdapterFactory

MakeAuth = Callable[..., Awaitable[Tessera]]


@pytest.fixture
def make_anon(adapter_factory: AdapterFactory) -> MakeAuth:
    """``await make_anon(plugins=(), auth_options={}, **anonymous_options)`` over every backend."""

    async def make(*, plugins: tuple[Any, ...] = (), auth_options: dict[str, Any] | None = None,
                   **options: Any) -> Tessera:
        def app(**extra: Any) -> Tessera:
            return make_auth(plugins=[*plugins, anonymous(**options)], **(auth_options or {}), **extra)

        return app(database=await adapter_factory(app().schema))

    return make
