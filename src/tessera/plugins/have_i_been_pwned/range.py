"""The Pwned Passwords range query (k-anonymity): only the first five hex digits of the password's SHA-1 leave the
process; the service answers every suffix it knows under that prefix, and the match is made here.

The request is Better Auth's: ``GET <api_url><PREFIX>`` with ``Add-Padding: true`` (the answer is padded with
zero-count suffixes, so its size does not tell an observer how many suffixes the prefix has) and its
``User-Agent``. SHA-1 of a password is microseconds of work, so it runs on the event loop.

Nothing here logs the password, its hash or the prefix.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from ...oauth.client import HttpxClient, ProviderHTTPError

#: Better Auth's ``User-Agent`` for the query (the service asks every client to send one)
USER_AGENT = "BetterAuth Password Checker"
#: the most of an answer that is read; a real one is about 30 KB padded
MAX_ANSWER_BYTES = 4 * 1024 * 1024


class PwnedPasswordsUnavailable(Exception):
    """The service could not be asked: unreachable, too slow, not a 2xx, or an answer that is not a range."""


def sha1_split(password: str) -> tuple[str, str]:
    """The upper-case SHA-1 of ``password`` (UTF-8, as Better Auth hashes it) as ``(prefix of 5, suffix of 35)``."""
    digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
    return digest[:5], digest[5:]


def compromise_count(answer: str, suffix: str) -> int:
    """How often the service saw ``suffix`` under its prefix (0: never, or a padding line).

    Better Auth's ``getPasswordCompromiseCount``: lines ``SUFFIX:COUNT``, suffixes compared case-insensitively, a
    count that is not a plain non-negative integer is an invalid answer. Every line is compared in constant time.
    """
    wanted = suffix.upper().encode()
    found: int | None = None
    for line in answer.splitlines():
        head, sep, count_text = line.partition(":")
        if not sep or not hmac.compare_digest(head.upper().encode(), wanted) or found is not None:
            continue
        if not (count_text.isascii() and count_text.isdigit()) or str(int(count_text)) != count_text:
            raise PwnedPasswordsUnavailable("an invalid count in the range answer")
        found = int(count_text)
    return found or 0


class PwnedPasswords:
    """Asks ``api_url`` about passwords, over tessera's outbound ``HttpxClient`` (no redirects followed)."""

    def __init__(self, api_url: str, timeout: float) -> None:
        self.api_url = api_url
        self.timeout = timeout
        self.http = HttpxClient(timeout, USER_AGENT, purpose="the have_i_been_pwned plugin")

    async def range(self, prefix: str) -> str:
        """The service's answer for ``prefix``, within ``timeout`` seconds in all, else ``PwnedPasswordsUnavailable``.

        The error says what failed (a status, a transport error's class), never the URL: it holds the prefix."""
        headers = {"Add-Padding": "true", "User-Agent": USER_AGENT}
        try:
            status, text = await asyncio.wait_for(
                self.http.get_text(self.api_url + prefix, headers, max_bytes=MAX_ANSWER_BYTES), self.timeout
            )
        except TimeoutError:
            raise PwnedPasswordsUnavailable(f"no answer within {self.timeout} s") from None
        except ProviderHTTPError as exc:
            cause = exc.__cause__
            raise PwnedPasswordsUnavailable(type(cause).__name__ if cause else "a redirect or oversized answer") from None
        if not 200 <= status < 300:
            raise PwnedPasswordsUnavailable(f"status {status}")
        return text

    async def is_compromised(self, password: str) -> bool:
        """Whether the service has seen ``password`` in a breach; ``PwnedPasswordsUnavailable`` when it cannot tell."""
        prefix, suffix = sha1_split(password)
        return compromise_count(await self.range(prefix), suffix) > 0

    async def aclose(self) -> None:
        """Close this event loop's connection pool."""
        await self.http.aclose()
