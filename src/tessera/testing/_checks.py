"""What the contract suites share: a named check of one subject (an adapter, a storage), and registering it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

SubjectT = TypeVar("SubjectT")

Check = Callable[[SubjectT], Awaitable[None]]


@dataclass(frozen=True)
class ContractCheck(Generic[SubjectT]):
    """One check of a contract; ``str()`` is its name (pytest ids)."""

    name: str
    run: Check[SubjectT]

    async def __call__(self, subject: SubjectT) -> None:
        await self.run(subject)

    def __str__(self) -> str:
        return self.name


def registrar(checks: list[ContractCheck[SubjectT]]) -> Callable[[Check[SubjectT]], Check[SubjectT]]:
    """A decorator adding ``check_<name>`` functions to ``checks`` as ``ContractCheck("<name>", fn)``."""

    def register(fn: Check[SubjectT]) -> Check[SubjectT]:
        checks.append(ContractCheck(fn.__name__.removeprefix("check_"), fn))
        return fn

    return register
