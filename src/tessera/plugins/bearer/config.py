"""Options of the bearer plugin."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BearerOptions:
    #: accept only signed tokens (``<token>.<signature>``, as ``set-auth-token`` hands them out); a bare
    #: session token is otherwise signed on the fly, which makes the bare token alone a credential
    require_signature: bool = False
