"""Built-in providers, each a small declarative module on ``OAuthProvider``."""

from __future__ import annotations

from ..provider import OAuthProvider
from .apple import Apple
from .discord import Discord
from .github import GitHub
from .gitlab import GitLab
from .google import Google
from .linkedin import LinkedIn
from .microsoft import Microsoft
from .reddit import Reddit
from .slack import Slack
from .spotify import Spotify
from .twitch import Twitch

BUILTIN_PROVIDERS: dict[str, type[OAuthProvider]] = {
    "apple": Apple,
    "discord": Discord,
    "github": GitHub,
    "gitlab": GitLab,
    "google": Google,
    "linkedin": LinkedIn,
    "microsoft": Microsoft,
    "reddit": Reddit,
    "slack": Slack,
    "spotify": Spotify,
    "twitch": Twitch,
}

__all__ = [
    "BUILTIN_PROVIDERS",
    "Apple",
    "Discord",
    "GitHub",
    "GitLab",
    "Google",
    "LinkedIn",
    "Microsoft",
    "Reddit",
    "Slack",
    "Spotify",
    "Twitch",
]
