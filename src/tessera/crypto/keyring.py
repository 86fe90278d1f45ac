"""The secrets of one deployment: the current one, older versions kept for reading, and the legacy secret.

Better Auth 1.7 (``context/secret-utils.ts``) accepts ``secrets=[{version, value}, …]`` (or
``BETTER_AUTH_SECRETS="2:new,1:old"``), the first entry being current. A ``Keyring`` is that list compiled
once, and it is what every encrypt-at-rest call site takes — Better Auth's ``secretConfig``:

* **writing** uses the current secret; with versions configured, ``$ba$<version>$`` names it in the envelope;
* **reading** uses the secret the envelope names, so rotating is "put the new secret first, keep the old one
  until its data has been rewritten or has expired"; a bare-hex payload (written before versions were
  configured) is read with the *legacy* secret (``secret=`` / ``BETTER_AUTH_SECRET``);
* encrypted cookies (``jwe`` cookie cache) are written with the current secret and read with any of them.

HMAC signatures — signed cookies, the compact and ``jwt`` cookie caches, email-verification tokens — use the
current secret only, exactly as Better Auth does: after a rotation, cookies signed with the old secret are
invalid (users sign in again); only data at rest survives a rotation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Keyring:
    """Build with ``Keyring.single(secret)`` or ``Keyring.versioned([(version, secret), …], legacy=…)``."""

    #: the secret that signs and encrypts now
    current: str
    #: version → secret, the current version first; empty for a single unversioned secret
    versions: Mapping[int, str] = field(default_factory=dict)
    #: ``None``: unversioned, payloads are written as bare hex (Better Auth with only ``secret``)
    current_version: int | None = None
    #: reads bare-hex payloads; ``None`` when versions are configured and no legacy secret is
    legacy: str | None = None

    @classmethod
    def single(cls, secret: str) -> Keyring:
        return cls(current=secret, legacy=secret)

    @classmethod
    def versioned(cls, entries: list[tuple[int, str]], *, legacy: str | None = None) -> Keyring:
        if not entries:
            raise ValueError("a versioned keyring needs at least one secret")
        version, current = entries[0]
        return cls(current=current, versions=dict(entries), current_version=version, legacy=legacy)

    @property
    def is_versioned(self) -> bool:
        return self.current_version is not None

    def all_secrets(self) -> tuple[str, ...]:
        """Every secret that may have encrypted something, the current one first (``getAllSecrets``)."""
        found = [self.current, *self.versions.values()]
        if self.legacy is not None:
            found.append(self.legacy)
        return tuple(dict.fromkeys(found))

    def derive(self, derive: Callable[[str], str]) -> Keyring:
        """The same keyring with every secret replaced by ``derive(secret)`` (purpose keys keep their versions)."""
        return Keyring(
            current=derive(self.current),
            versions={v: derive(s) for v, s in self.versions.items()},
            current_version=self.current_version,
            legacy=derive(self.legacy) if self.legacy is not None else None,
        )
