"""Helpers for the token-toolkit tests: a fast app and a settable clock. The in-process client and the
constants are the core tests' (``tests._helpers``), re-exported here."""

from __future__ import annotations

import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

from tessera import Tessera
from tests._helpers import BASE, FAST_HASHER, SECRET, Client

__all__ = ["BASE", "FAST_HASHER", "SECRET", "Client", "Clock", "make_auth"]


class Clock:
    """A settable clock for ``Tessera(clock=...)`` (datetime) and verifiers (``.timestamp``)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def timestamp(self) -> float:
        return self.now.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_auth(**options: Any) -> Tessera:
    options.setdefault("secret", SECRET)
    options.setdefault("base_url", BASE)
    options.setdefault("email_and_password", {"enabled": True, "password": FAST_HASHER})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Tessera(**options)
