"""Signing keys held in memory: the ``jwks`` table is read when the process starts and then in the background.

Better Auth reads the whole ``jwks`` table, decrypts the private key (XChaCha20) and imports it on every
``/token``, every ``/get-session`` (for the ``set-auth-jwt`` header), every ``/jwks`` and every ``verifyJWT``
(wire reference §6.1, §13 item 9). Here a ``KeyRing`` — the parsed, decrypted keys, the encoded JWS headers
and the ready-to-send ``/jwks`` body — is built once per reload and swapped atomically, so in steady state
signing, verifying and serving ``/jwks`` touch no database and parse no key.

Rotation (``jwks.rotation_interval``), safe for verifiers that cache the JWKS:

* a new key is **published before it signs**: it is inserted ``publish_lead`` seconds (the ``/jwks``
  ``max-age`` plus the reload interval plus a margin) before the current key's ``expiresAt``, and a key
  signs only once it is that old — by then every instance has reloaded it and every JWKS cached without it
  has expired; its ``expiresAt`` is ``createdAt + publish_lead + rotation_interval``;
* the retired key stays in ``/jwks`` until ``expiresAt + grace_period`` (at least the token lifetime), so
  every token it signed verifies until that token expires;
* every instance re-reads the table every ``reload_interval`` seconds in the background (never on the
  request path), and the server-side ``verify_jwt`` re-reads it at most every ``UNKNOWN_KID_COOLDOWN``
  seconds when it meets an unknown ``kid``. Two instances rotating at once both insert a key; both are
  published, so nothing breaks, and signing converges on the newest.

Rows stay Better Auth's (``kid`` = row id, public JWK JSON, private JWK encrypted with the keyring: bare hex, or a
``$ba$<version>$`` envelope under ``secrets`` rotation, read with any configured version), so both
implementations can share the table. Better Auth signs with its newest key at once, without the lead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ... import _json
from ...crypto.symmetric import DecryptionError, symmetric_decrypt, symmetric_encrypt
from ...db.adapter import SortBy
from ...jwt.errors import InvalidKey, JWTError
from ...jwt.jwk import PrivateJWK, PublicJWK, generate_jwk, load_private_jwk, load_public_jwk
from ...jwt.jws import encode_header, sign_compact
from ...jwt.keyset import KeySet
from ...jwt.verifier import Verifier
from .config import JWTOptions

if TYPE_CHECKING:
    from ...context import AuthContext

logger = logging.getLogger("tessera.jwt")

UNKNOWN_KID_COOLDOWN = 10.0
MAX_ROWS = 100
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SigningUnavailable(Exception):
    """No key can sign (the private keys cannot be decrypted with the current secret)."""


@dataclass(frozen=True, slots=True)
class KeyRecord:
    kid: str
    alg: str
    public: PublicJWK
    #: ``None`` when the private key cannot be used here (another secret encrypted it)
    signer: PrivateJWK | None
    #: the encoded protected header ``{"alg", "kid"}``, computed once
    header: str
    created_at: datetime
    expires_at: datetime | None
    #: the ``crv`` column, for the ``/jwks`` output
    crv: str | None = None


class KeyRing:
    """An immutable snapshot of the keys; replaced as a whole on reload."""

    def __init__(
        self, records: Sequence[KeyRecord], *, alg: str, publish_lead: int, grace_period: int, now: datetime
    ) -> None:
        self.records = tuple(sorted(records, key=lambda r: r.created_at, reverse=True))
        self.by_kid = {r.kid: r for r in self.records}
        self.alg = alg
        self.lead = timedelta(seconds=publish_lead)
        grace = timedelta(seconds=grace_period)
        published = [r for r in self.records if r.expires_at is None or r.expires_at + grace > now]
        self.keyset = KeySet(r.public for r in published)
        self.jwks_body = _json.dumps({"keys": [_published_jwk(r) for r in published]})
        self.etag = f'"{hashlib.sha256(self.jwks_body).hexdigest()[:32]}"'
        self._candidates = tuple(r for r in self.records if r.signer is not None and r.alg == alg)
        self._verifiers: dict[tuple[Any, ...], Verifier] = {}

    def signing_record(self, now: datetime) -> KeyRecord | None:
        """The newest usable key old enough to have been published everywhere; else the oldest usable one
        (a first key, or a successor minted late, is used at once: nothing could have cached its absence)."""
        usable = [r for r in self._candidates if r.expires_at is None or r.expires_at > now]
        if not usable:
            return None
        for record in usable:
            if record.created_at + self.lead <= now:
                return record
        return usable[-1]

    def rotation_due(self, now: datetime, rotation_interval: int | None) -> bool:
        """Whether the successor of the signing key should be published now."""
        if rotation_interval is None:
            return False
        current = self.signing_record(now)
        if current is None:
            return True
        if any(r.created_at > current.created_at for r in self._candidates):
            return False  # already published, waiting for its turn
        ends = current.expires_at or current.created_at + self.lead + timedelta(seconds=rotation_interval)
        return ends - now <= self.lead

    def verifier(self, issuer: str, audience: str | Sequence[str], clock: Any) -> Verifier:
        key = (issuer, audience if isinstance(audience, str) else tuple(audience))
        verifier = self._verifiers.get(key)
        if verifier is None:
            algs = sorted({alg for k in self.keyset for alg in k.algorithms}) or ["EdDSA"]
            verifier = Verifier(
                issuer=issuer, audience=audience, algorithms=algs, keys=self.keyset,
                required_claims=("sub",), clock=clock,
            )
            self._verifiers[key] = verifier
        return verifier


def _published_jwk(record: KeyRecord) -> dict[str, Any]:
    """Better Auth's ``/jwks`` entry: ``{alg, crv?, ...publicKey, kid}``."""
    out: dict[str, Any] = {"alg": record.alg, "crv": record.crv}
    out.update(record.public.params)
    out["kid"] = record.kid
    return {k: v for k, v in out.items() if v is not None}


class KeyManager:
    """Loads, mints, rotates and serves the keys of one plugin instance."""

    def __init__(self, options: JWTOptions, *, static_keys: Sequence[PrivateJWK] | None = None) -> None:
        self.options = options
        self.static_keys = tuple(static_keys) if static_keys else None
        self.context: AuthContext | None = None
        self.ring: KeyRing | None = None
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._refresher: asyncio.Task[None] | None = None
        #: the next periodic reload, and the loop it runs on
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None
        self._rotation: asyncio.Task[None] | None = None
        self._last_reload: datetime | None = None
        self._decrypted: dict[str, KeyRecord] = {}
        self._warned: set[str] = set()

    def bind(self, context: AuthContext) -> None:
        self.context = context
        if self.static_keys is not None:
            self.ring = self._static_ring()

    def _lock(self, name: str) -> asyncio.Lock:
        """A lock per event loop (an ``asyncio.Lock`` must not be shared between loops)."""
        key = (name, id(asyncio.get_running_loop()))
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    @property
    def ctx(self) -> AuthContext:
        if self.context is None:
            raise RuntimeError("the jwt plugin is not attached to a Tessera instance")
        return self.context

    def now(self) -> datetime:
        return self.ctx.now()

    # -- loading -------------------------------------------------------------------------------------

    def _static_ring(self) -> KeyRing:
        assert self.static_keys is not None
        count = len(self.static_keys)
        records = [
            # the first key is the newest, so it signs; all are published
            KeyRecord(k.kid or "", k.alg, k.public, k, encode_header(k), _EPOCH + timedelta(seconds=count - i),
                      None, k.public.crv)
            for i, k in enumerate(self.static_keys)
        ]
        return KeyRing(records, alg=self.static_keys[0].alg, publish_lead=0, grace_period=0, now=self.now())

    async def ensure(self) -> KeyRing:
        """The current ring; the first call loads it (one read), later calls are free."""
        ring = self.ring
        if ring is not None:
            return ring
        async with self._lock("load"):
            if self.ring is None:
                await self.reload()
                self.start()
        assert self.ring is not None
        return self.ring

    async def reload(self) -> KeyRing:
        """Re-read the ``jwks`` table (one statement) and swap in a new ring."""
        if self.static_keys is not None:
            self.ring = self._static_ring()
            return self.ring
        ctx = self.ctx
        self._last_reload = self.now()
        rows = await ctx.adapter.find_many("jwks", limit=MAX_ROWS, sort_by=SortBy("createdAt", "desc"))
        records = [r for r in (self._record(row) for row in rows) if r is not None]
        self.ring = KeyRing(
            records, alg=self.options.jwks.key_pair_config.alg, publish_lead=self.options.publish_lead,
            grace_period=self.options.jwks.grace_period, now=self.now(),
        )
        return self.ring

    def _record(self, row: Mapping[str, Any]) -> KeyRecord | None:
        kid = str(row["id"])
        cached = self._decrypted.get(kid)
        if cached is not None:
            return cached
        try:
            public_data = _json.loads(row["publicKey"])
            alg = row.get("alg") or self.options.jwks.key_pair_config.alg
            public = load_public_jwk(public_data, kid=kid, alg=alg)
        except (InvalidKey, _json.JSONDecodeError, TypeError, ValueError) as exc:
            self._warn(kid, f"jwks row {kid} has an unusable public key ({exc}); skipped")
            return None
        signer: PrivateJWK | None = None
        try:
            signer = self._private_key(row["privateKey"], kid, alg)
        except (DecryptionError, InvalidKey, _json.JSONDecodeError, TypeError, ValueError) as exc:
            self._warn(kid, f"jwks row {kid}: the private key cannot be used ({exc}); it will verify but not sign")
        record = KeyRecord(
            kid, alg, public, signer, encode_header(signer) if signer else "",
            _aware(row.get("createdAt")) or _EPOCH, _aware(row.get("expiresAt")), row.get("crv"),
        )
        self._decrypted[kid] = record
        return record

    def _private_key(self, stored: str, kid: str, alg: str) -> PrivateJWK:
        value = _json.loads(stored)
        if isinstance(value, str):  # JSON-quoted ciphertext
            value = _json.loads(symmetric_decrypt(self.ctx.keyring, value))
        return load_private_jwk(value, kid=kid, alg=alg)

    def _warn(self, kid: str, message: str) -> None:
        if kid not in self._warned:
            self._warned.add(kid)
            logger.error(message)

    # -- signing -------------------------------------------------------------------------------------

    async def signing_record(self) -> KeyRecord:
        ring = await self.ensure()
        now = self.now()
        record = ring.signing_record(now)
        if record is None:
            record = await self._mint_if_needed()
        elif self.static_keys is None and ring.rotation_due(now, self.options.jwks.rotation_interval):
            self._rotate_in_background()
        return record

    async def sign(self, claims: Mapping[str, Any]) -> str:
        record = await self.signing_record()
        assert record.signer is not None
        return sign_compact(record.header, claims, record.signer)

    async def _mint_if_needed(self) -> KeyRecord:
        async with self._lock("mint"):
            ring = self.ring
            record = ring.signing_record(self.now()) if ring is not None else None
            if record is not None:
                return record
            if self.static_keys is not None:
                raise SigningUnavailable("no static key can sign")
            if ring is not None and ring.records and not any(r.signer is not None for r in ring.records):
                # keys exist but none decrypts (the secret changed): the old public keys stay published,
                # so tokens already issued keep verifying, and a new key takes over signing
                logger.error("no jwks private key decrypts with the current secret; minting a new key")
            return await self.mint()

    async def mint(self) -> KeyRecord:
        """Create a key (one insert) and add it to the ring at once."""
        cfg = self.options.jwks
        ctx = self.ctx
        pair = cfg.key_pair_config
        # RSA generation takes tens of milliseconds: keep it off the event loop
        jwk = await asyncio.to_thread(generate_jwk, pair.alg, modulus_length=pair.modulus_length)
        now = self.now()
        private_json = _json.dumps_str(jwk.private_dict())
        row = {
            "id": ctx.generate_id("jwks"),
            "publicKey": _json.dumps_str(jwk.public.params),
            "privateKey": private_json if cfg.disable_private_key_encryption
            else _json.dumps_str(symmetric_encrypt(ctx.keyring, private_json)),
            "createdAt": now,
            "expiresAt": now + timedelta(seconds=self.options.publish_lead + cfg.rotation_interval)
            if cfg.rotation_interval else None,
            "alg": pair.alg,
            "crv": jwk.public.crv,
        }
        created = await ctx.adapter.create("jwks", row)
        record = self._record(created)
        assert record is not None and record.signer is not None
        previous = self.ring.records if self.ring is not None else ()
        self.ring = KeyRing(
            [record, *previous], alg=pair.alg, publish_lead=self.options.publish_lead,
            grace_period=cfg.grace_period, now=now,
        )
        logger.info("minted jwks key %s (%s)", record.kid, pair.alg)
        return record

    async def rotate_if_due(self) -> bool:
        ring = await self.ensure()
        if self.static_keys is not None or not ring.rotation_due(self.now(), self.options.jwks.rotation_interval):
            return False
        async with self._lock("mint"):
            current = self.ring
            if current is not None and not current.rotation_due(self.now(), self.options.jwks.rotation_interval):
                return False
            await self.mint()
            return True

    def _rotate_in_background(self) -> None:
        if self._rotation is not None and not self._rotation.done() and self._rotation.get_loop() is asyncio.get_running_loop():
            return
        self._rotation = asyncio.get_running_loop().create_task(self._rotate_quietly())

    async def _rotate_quietly(self) -> None:
        try:
            await self.rotate_if_due()
        except Exception:
            logger.exception("jwks rotation failed")

    # -- verifying -----------------------------------------------------------------------------------

    async def verify(self, token: str, *, issuer: str, audience: str | Sequence[str]) -> dict[str, Any]:
        """Claims of a token this server signed (raises ``JWTError``); an unknown ``kid`` triggers one
        reload of the table, at most every ``UNKNOWN_KID_COOLDOWN`` seconds."""
        ring = await self.ensure()
        clock = self._timestamp
        try:
            return await ring.verifier(issuer, audience, clock).verify(token)
        except JWTError as exc:
            if exc.code != "unknown_key" or self.static_keys is not None:
                raise
            last = self._last_reload
            if last is not None and (self.now() - last).total_seconds() < UNKNOWN_KID_COOLDOWN:
                raise
        ring = await self.reload()
        return await ring.verifier(issuer, audience, clock).verify(token)

    def _timestamp(self) -> float:
        return self.now().timestamp()

    # -- background ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the periodic reload (idempotent; needs a running event loop).

        Between reloads only a timer is pending, never a task: an application that never shuts the plugin down
        (no lifespan, a test's short-lived loop) leaves nothing behind that asyncio would report as destroyed
        while pending."""
        if self.static_keys is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        timer = self._timer
        if timer is not None and not timer.cancelled() and self._timer_loop is loop and not loop.is_closed():
            return
        self._schedule_reload(loop)

    def _schedule_reload(self, loop: asyncio.AbstractEventLoop) -> None:
        interval = self.options.jwks.reload_interval
        # jitter spreads the reloads of many instances
        self._timer = loop.call_later(interval * random.uniform(0.9, 1.1), self._reload_due, loop)
        self._timer_loop = loop

    def _reload_due(self, loop: asyncio.AbstractEventLoop) -> None:
        self._refresher = loop.create_task(self._reload_once(loop))

    async def _reload_once(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            await self.reload()
            await self.rotate_if_due()
        except Exception:
            logger.exception("reloading the jwks table failed; keeping the keys in memory")
        finally:
            self._refresher = None
            if self._timer is not None and not loop.is_closed():
                self._schedule_reload(loop)

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        for task in (self._refresher, self._rotation):
            if task is None or task.done():
                continue
            if task.get_loop() is loop:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            elif not task.get_loop().is_closed():
                task.get_loop().call_soon_threadsafe(task.cancel)
        self._refresher = self._rotation = None


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _json.parse_iso(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, UTC)
    return None
