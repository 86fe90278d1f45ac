"""The route table, compiled once: static paths in a dict, parametrised paths (``/x/:id``) by segment."""

from __future__ import annotations

from collections.abc import Iterable

from .endpoints import Endpoint
from .errors import ConfigError


class Router:
    def __init__(self, endpoints: Iterable[Endpoint]) -> None:
        self.static: dict[tuple[str, str], Endpoint] = {}
        self.dynamic: list[tuple[str, tuple[str, ...], Endpoint]] = []
        for ep in endpoints:
            if ep.server_only:
                continue
            for method in ep.methods:
                self._add(method, ep)

    def _add(self, method: str, ep: Endpoint) -> None:
        if ":" not in ep.path and "*" not in ep.path:
            key = (method, ep.path)
            if key in self.static:
                raise ConfigError(
                    f"{method} {ep.path} is claimed by both {self.static[key].name!r} and {ep.name!r}"
                )
            self.static[key] = ep
            return
        segments = tuple(ep.path.strip("/").split("/"))
        shape = _shape(segments)
        for other_method, other_segments, other in self.dynamic:
            # ``/x/:id`` and ``/x/:key`` are one route: parameter names do not tell requests apart
            if other_method == method and _shape(other_segments) == shape:
                raise ConfigError(f"{method} {ep.path} is claimed by both {other.name!r} and {ep.name!r}")
        self.dynamic.append((method, segments, ep))

    def match(self, method: str, path: str) -> tuple[Endpoint, dict[str, str]] | None:
        ep = self.static.get((method, path))
        if ep is not None:
            return ep, {}
        parts = path.strip("/").split("/")
        for route_method, segments, ep in self.dynamic:
            if route_method != method or len(segments) != len(parts):
                continue
            params: dict[str, str] = {}
            for seg, part in zip(segments, parts, strict=True):
                if seg.startswith(":"):
                    if not part or "\x00" in part:  # a NUL is no identifier (and no database compares one)
                        break
                    params[seg[1:]] = part
                elif seg != part:
                    break
            else:
                return ep, params
        return None


def _shape(segments: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(":" if seg.startswith(":") else seg for seg in segments)
