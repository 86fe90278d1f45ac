"""Built-in providers, each a small declarative module on ``OAuthProvider``."""

from __future__ import annotations

from ..provider import OAuthProvider
from .apple import Apple
from .discord import Discord
from .github import GitHub
from .gitlab import GitLab
from .google import Google
from .microsoft import Microsoft

BUILTIN_PROVIDERS: dict[str, type[OAuthProvider]] = {
    "apple": Apple,
    "discord": Discord,
    "github": GitHub,
    "gitlab": GitLab,
    "google": Google,
    "microsoft": Microsoft,
}

__all__ = ["BUILTIN_PROVIDERS", "Apple", "Discord", "GitHub", "GitLab", "Google", "Microsoft"]
