"""The email seam: ``EmailMessage``, the ``EmailSender`` protocol, and the senders that need no server.

An ``EmailSender`` has one method, ``async send(message)``. ``MemoryEmailSender`` is the testing seam (it keeps
what was sent); ``ConsoleEmailSender`` prints messages for local development. Messages carry live sign-in
material (reset links, verification tokens), so the console sender writes to a stream you choose and never to
the ``logging`` tree unless you hand it a logger yourself: log shipping in production must not collect links.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Protocol, runtime_checkable


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    #: overrides the sender's default ``From``
    from_address: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class EmailSender(Protocol):
    """Delivers one message. Raise on failure; tessera logs failures of background sends."""

    async def send(self, message: EmailMessage) -> None: ...


class MemoryEmailSender:
    """Keeps every message in ``outbox``: the sender to use in tests."""

    def __init__(self) -> None:
        self.outbox: list[EmailMessage] = []
        self._arrived = asyncio.Event()

    async def send(self, message: EmailMessage) -> None:
        self.outbox.append(message)
        self._arrived.set()

    def to(self, address: str) -> list[EmailMessage]:
        """Messages sent to ``address``, oldest first."""
        return [m for m in self.outbox if m.to == address]

    def last(self, to: str | None = None) -> EmailMessage:
        """The newest message (to ``to``); ``LookupError`` when there is none."""
        messages = self.to(to) if to is not None else self.outbox
        if not messages:
            raise LookupError(f"no message{f' to {to}' if to else ''} was sent")
        return messages[-1]

    async def wait_for(self, count: int = 1, timeout: float = 2.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages were sent (sends may run in the background)."""
        async with asyncio.timeout(timeout):
            while len(self.outbox) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return list(self.outbox)

    def clear(self) -> None:
        self.outbox.clear()


class ConsoleEmailSender:
    """Development only: prints each message to ``stream`` (standard error by default) or to ``logger``."""

    def __init__(self, stream: IO[str] | None = None, *, logger: logging.Logger | None = None) -> None:
        self.stream = stream
        self.logger = logger

    async def send(self, message: EmailMessage) -> None:
        text = format_message(message)
        if self.logger is not None:
            self.logger.info("%s", text)
            return
        stream = self.stream or sys.stderr
        stream.write(text + "\n")
        stream.flush()


def format_message(message: EmailMessage) -> str:
    lines = [f"To: {message.to}", f"Subject: {message.subject}"]
    if message.from_address:
        lines.insert(0, f"From: {message.from_address}")
    rule = "-" * 72
    return "\n".join([rule, *lines, "", message.text, rule])
