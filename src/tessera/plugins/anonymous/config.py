"""Options of the anonymous plugin: Better Auth's ``AnonymousOptions`` in snake_case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...db.schema import Field, TableExtension
from ...errors import ConfigError
from ..base import column_renames

#: ``on_link_account(anonymous_user=, new_user=, ctx=)``, sync or async; both users are ``SessionData``
OnLinkAccount = Callable[..., Any]
#: ``generate_name(ctx)`` -> the new anonymous user's name, sync or async
GenerateName = Callable[[Any], Any]
#: ``generate_random_email()`` -> the new anonymous user's address, sync or async; must be unique
GenerateRandomEmail = Callable[[], Any]

#: Better Auth's ``createPlaceholderEmail`` namespace: ``<id>@anonymous.placeholder.invalid``. ``.invalid`` is
#: reserved (RFC 6761 §6.4): no mail is ever delivered there and no one can register it, so the address can
#: neither collide with a real one nor be verified
DEFAULT_EMAIL_DOMAIN = "anonymous.placeholder.invalid"


@dataclass(frozen=True)
class AnonymousOptions:
    #: the address domain of anonymous users: ``temp-<id>@<domain>``; default ``<id>@anonymous.placeholder.invalid``
    email_domain_name: str | None = None
    #: called when an anonymous user signs in or up with a real method, before the anonymous user is deleted
    on_link_account: OnLinkAccount | None = None
    #: keep the anonymous user after linking, and refuse ``/delete-anonymous-user``
    disable_delete_anonymous_user: bool = False
    generate_name: GenerateName | None = None
    generate_random_email: GenerateRandomEmail | None = None
    #: Better Auth's ``schema`` option: ``{"user": {"fields": {"isAnonymous": "is_anonymous"}}}`` renames the column
    schema: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("on_link_account", "generate_name", "generate_random_email"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise ConfigError(f"anonymous(): {name} must be a function")
        domain = self.email_domain_name
        if domain is not None and (not isinstance(domain, str) or not domain or "@" in domain):
            raise ConfigError("anonymous(): email_domain_name must be a domain name (no '@')")
        self.user_fields()  # a malformed ``schema`` fails here, when the plugin is made

    def user_fields(self) -> tuple[TableExtension, ...]:
        """The ``isAnonymous`` user field (``input: false``: a client can never set it), under its column name."""
        column = column_renames("anonymous", self.schema, "user", ("isAnonymous",)).get("isAnonymous")
        field = Field("isAnonymous", "boolean", required=False, default=False, input=False, column=column)
        return (TableExtension("user", (field,)),)
