"""Built-in providers, each a small declarative module on ``OAuthProvider``."""

from __future__ import annotations

from ..provider import OAuthProvider
from .apple import Apple
from .atlassian import Atlassian
from .cloudflare import Cloudflare
from .cognito import Cognito
from .discord import Discord
from .dropbox import Dropbox
from .facebook import Facebook
from .figma import Figma
from .github import GitHub
from .gitlab import GitLab
from .google import Google
from .huggingface import HuggingFace
from .kakao import Kakao
from .kick import Kick
from .line import Line
from .linear import Linear
from .linkedin import LinkedIn
from .microsoft import Microsoft
from .naver import Naver
from .notion import Notion
from .paybin import Paybin
from .paypal import PayPal
from .polar import Polar
from .railway import Railway
from .reddit import Reddit
from .roblox import Roblox
from .salesforce import Salesforce
from .slack import Slack
from .spotify import Spotify
from .tiktok import TikTok
from .twitch import Twitch
from .twitter import Twitter
from .vercel import Vercel
from .vk import VK
from .wechat import WeChat
from .zoom import Zoom

BUILTIN_PROVIDERS: dict[str, type[OAuthProvider]] = {
    "apple": Apple,
    "atlassian": Atlassian,
    "cloudflare": Cloudflare,
    "cognito": Cognito,
    "discord": Discord,
    "dropbox": Dropbox,
    "facebook": Facebook,
    "figma": Figma,
    "github": GitHub,
    "gitlab": GitLab,
    "google": Google,
    "huggingface": HuggingFace,
    "kakao": Kakao,
    "kick": Kick,
    "line": Line,
    "linear": Linear,
    "linkedin": LinkedIn,
    "microsoft": Microsoft,
    "naver": Naver,
    "notion": Notion,
    "paybin": Paybin,
    "paypal": PayPal,
    "polar": Polar,
    "railway": Railway,
    "reddit": Reddit,
    "roblox": Roblox,
    "salesforce": Salesforce,
    "slack": Slack,
    "spotify": Spotify,
    "tiktok": TikTok,
    "twitch": Twitch,
    "twitter": Twitter,
    "vercel": Vercel,
    "vk": VK,
    "wechat": WeChat,
    "zoom": Zoom,
}

__all__ = [
    "BUILTIN_PROVIDERS",
    "VK",
    "Apple",
    "Atlassian",
    "Cloudflare",
    "Cognito",
    "Discord",
    "Dropbox",
    "Facebook",
    "Figma",
    "GitHub",
    "GitLab",
    "Google",
    "HuggingFace",
    "Kakao",
    "Kick",
    "Line",
    "Linear",
    "LinkedIn",
    "Microsoft",
    "Naver",
    "Notion",
    "PayPal",
    "Paybin",
    "Polar",
    "Railway",
    "Reddit",
    "Roblox",
    "Salesforce",
    "Slack",
    "Spotify",
    "TikTok",
    "Twitch",
    "Twitter",
    "Vercel",
    "WeChat",
    "Zoom",
]
