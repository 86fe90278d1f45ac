"""Which requests the captcha plugin guards: Better Auth's ``endpoints`` option, matched exactly or, for a pattern
with ``*``, as its ``wildcardMatch`` does with ``/`` as the separator (``*`` and ``?`` stay inside a segment,
``**`` spans segments). Compiled once, when the plugin is built."""

from __future__ import annotations

import re
from collections.abc import Iterable

_SPECIAL = frozenset("-^$+.()|[]{}*?\\")
_SEPARATOR = r"[/\\]"
_WILDCARD = r"[^/\\]"


def _escape(char: str) -> str:
    return "\\" + char if char in _SPECIAL else char


def glob_pattern(pattern: str) -> str:
    """Better Auth's ``transform(pattern, separator=true)``, as a Python regular expression (without anchors)."""
    required, optional = f"{_SEPARATOR}+?", f"{_SEPARATOR}*?"
    segments = pattern.split("/")
    result = ""
    for index, segment in enumerate(segments):
        if not segment and index > 0:
            continue
        if index == len(segments) - 1:
            separator = optional
        elif segments[index + 1] != "**":
            separator = required
        else:
            separator = ""
        if segment == "**":
            if separator:
                result += "" if index == 0 else separator
                result += f"(?:{_WILDCARD}*?{separator})*?"
            continue
        chars = iter(segment)
        for char in chars:
            if char == "\\":
                escaped = next(chars, None)
                if escaped is not None:
                    result += _escape(escaped)
            elif char == "?":
                result += _WILDCARD
            elif char == "*":
                result += f"{_WILDCARD}*?"
            else:
                result += _escape(char)
        result += separator
    return result


class EndpointMatcher:
    """``matches(path)``: whether ``path`` (without the base path) is one of ``endpoints``."""

    def __init__(self, endpoints: Iterable[str]) -> None:
        listed = tuple(endpoints)
        self.exact = frozenset(e for e in listed if "*" not in e)
        globs = [e for e in listed if "*" in e]
        self.glob = re.compile("|".join(f"(?:^{glob_pattern(g)}$)" for g in globs)) if globs else None

    def matches(self, path: str) -> bool:
        return path in self.exact or (self.glob is not None and self.glob.match(path) is not None)


def endpoint_path(request_path: str, base_path: str) -> str:
    """Better Auth's ``normalizeEndpointPath``: the path without the base path, runs of ``/`` collapsed, no
    trailing ``/``."""
    path = request_path[len(base_path):] if request_path.startswith(base_path) else request_path
    path = re.sub(r"/{2,}", "/", path)
    if not path.startswith("/"):
        path = "/" + path
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    return path
