"""``POST /siwe/nonce`` (and its alias ``/siwe/get-nonce``) and ``POST /siwe/verify``, path for path and shape
for shape Better Auth 1.7.24's ``siwe()``.

A nonce is a verification row ``siwe:<nonce>`` valid 15 minutes, consumed with one ``DELETE … RETURNING``
before anything else in the message is looked at: of any number of concurrent verifies of one message, exactly
one can succeed, and a refused message still burns its nonce. As in Better Auth the nonce is not bound to an
address when issued; the signature (checked by the application's ``verify_message``) binds the message, and
with it nonce, address, chain and domain, to the wallet.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any

from ...context import RequestContext
from ...db.adapter import UniqueViolation, Where
from ...endpoints import Endpoint, endpoint
from ...errors import APIError
from ...session.issue import create_session, set_session_cookies
from ...validation import EMAIL_RE, F, Shape, validation_error
from ..magic_link.endpoints import maybe_await
from .errors import INVALID_SIGNATURE, SOMETHING_WENT_WRONG, SiweErrorCodes
from .message import ADDRESS_RE, normalize_siwe_domain, parse_siwe_message, parse_time, to_checksum_address

if TYPE_CHECKING:
    from . import SiwePlugin

logger = logging.getLogger("tessera.plugins.siwe")

PREFIX = "siwe:"
NONCE_TTL = 900
NONCE_RE = re.compile(r"^[a-zA-Z0-9]{8,250}$")
VERIFY_BODY = Shape({
    "message": F("string"),
    "signature": F("string"),
    "email": F("email", optional=True),
})


def is_valid_nonce(nonce: Any) -> bool:
    return isinstance(nonce, str) and NONCE_RE.fullmatch(nonce) is not None


def refusal(status: int, message: str, code: str | None = None) -> APIError:
    """Better Auth's ``APIError.fromStatus`` body: ``{message, status[, code]}``, in that order."""
    body: dict[str, Any] = {"message": message, "status": status}
    if code is not None:
        body["code"] = code
    error = APIError(status, code, message, body=json.dumps(body, separators=(",", ":")).encode())
    return error


def coded(status: int, code: Any) -> APIError:
    return refusal(status, code.message, str(code))


def build_endpoints(plugin: SiwePlugin) -> tuple[Endpoint, ...]:
    options = plugin.options

    async def issue_nonce(ctx: RequestContext) -> Any:
        body = ctx.body
        if isinstance(body, dict) and body:
            raise validation_error([f'[body] Unrecognized key: "{sorted(body)[0]}"'])
        assert options.get_nonce is not None
        nonce = await maybe_await(options.get_nonce())
        if not is_valid_nonce(nonce):
            raise coded(500, SiweErrorCodes.SIWE_INVALID_NONCE)
        await ctx.auth.store.create_verification(f"{PREFIX}{nonce}", nonce, NONCE_TTL)
        return {"nonce": nonce}

    get_siwe_nonce = endpoint("/siwe/nonce", "POST", name="get_siwe_nonce", tags=("siwe",))(issue_nonce)
    get_nonce = endpoint("/siwe/get-nonce", "POST", name="get_nonce", tags=("siwe",))(issue_nonce)

    # tagged ``sign-in``: the ban gate and the two-factor challenge apply as on every first-factor sign-in
    @endpoint("/siwe/verify", "POST", name="verify_siwe_message", body=VERIFY_BODY, tags=("sign-in", "siwe"))
    async def verify_siwe_message(ctx: RequestContext) -> Any:
        body = ctx.body
        extra = sorted(set(body) - {"message", "signature", "email"})
        problems = [f'[body] Unrecognized key: "{extra[0]}"'] if extra else []
        if not body["message"]:
            problems.append("[body.message] Too small: expected string to have >=1 characters")
        if not body["signature"]:
            problems.append("[body.signature] Too small: expected string to have >=1 characters")
        if not options.anonymous and not body.get("email"):
            problems.append("[body.email] Email is required when the anonymous plugin option is disabled.")
        if problems:
            raise validation_error(problems)
        try:
            return await verify(ctx, body["message"], body["signature"], body.get("email"))
        except APIError:
            raise
        except Exception:
            # never a success: a failing verify_message, ens_lookup or database is a refusal
            logger.exception("Failed to verify SIWE message")
            raise refusal(401, SOMETHING_WENT_WRONG) from None

    async def verify(ctx: RequestContext, message: str, signature: str, email: str | None) -> Any:
        auth = ctx.auth
        store = auth.store
        parsed = parse_siwe_message(message)
        if not is_valid_nonce(parsed.nonce):
            raise coded(401, SiweErrorCodes.UNAUTHORIZED_SIWE_MESSAGE_MISMATCH)
        nonce = str(parsed.nonce)
        if await store.consume_verification(f"{PREFIX}{nonce}") is None:
            raise coded(401, SiweErrorCodes.UNAUTHORIZED_INVALID_OR_EXPIRED_NONCE)
        address = to_checksum_address(parsed.address) if parsed.address and ADDRESS_RE.match(parsed.address) else None
        chain_id = parsed.chain_id
        domain_matches = bool(parsed.domain) and normalize_siwe_domain(str(parsed.domain)) == normalize_siwe_domain(
            options.domain)
        if address is None or chain_id is None or chain_id <= 0 or not domain_matches:
            raise coded(401, SiweErrorCodes.UNAUTHORIZED_SIWE_MESSAGE_MISMATCH)
        now = auth.now().timestamp()
        expires = parse_time(parsed.expiration_time) if parsed.expiration_time else None
        if expires is not None and now >= expires:
            raise coded(401, SiweErrorCodes.UNAUTHORIZED_SIWE_MESSAGE_EXPIRED)
        not_before = parse_time(parsed.not_before) if parsed.not_before else None
        if not_before is not None and now < not_before:
            raise coded(401, SiweErrorCodes.UNAUTHORIZED_SIWE_MESSAGE_NOT_YET_VALID)
        assert options.verify_message is not None
        cacao = {
            "h": {"t": "caip122"},
            "p": {"domain": options.domain, "aud": options.domain, "nonce": nonce, "iss": options.domain,
                  "version": "1"},
            "s": {"t": "eip191", "s": signature},
        }
        verified = await maybe_await(options.verify_message(
            message=message, signature=signature, address=address, chain_id=chain_id, cacao=cacao))
        if verified is not True:  # only a real True: a truthy string or object is a bug, not a signature
            raise refusal(401, INVALID_SIGNATURE)
        user = await find_or_create_user(ctx, address, chain_id, email)
        session = await create_session(ctx, user, status_on_failure=500)
        set_session_cookies(ctx, session)
        return {"token": session.token, "success": True,
                "user": {"id": user["id"], "walletAddress": address, "chainId": chain_id}}

    async def find_or_create_user(ctx: RequestContext, address: str, chain_id: int, email: str | None) -> Any:
        auth = ctx.auth
        store = auth.store
        adapter = auth.adapter
        exact = await adapter.find_one("walletAddress", [Where("address", address), Where("chainId", chain_id)])
        wallet = exact or await adapter.find_one("walletAddress", [Where("address", address)])
        user = await store.find_user_by_id(str(wallet["userId"])) if wallet is not None else None
        if user is not None:
            if exact is None:
                await link_wallet(ctx, user["id"], address, chain_id, primary=False)
            return user
        wallet_email = (f"{address}@{options.email_domain_name}" if options.email_domain_name
                        else f"{address}@siwe.placeholder.invalid")
        normalized = email.lower() if email else None
        user_email = wallet_email
        if (not options.anonymous and normalized and EMAIL_RE.match(normalized)
                and await store.find_user_by_email(normalized) is None):
            user_email = normalized
        name, avatar = address, ""
        if options.ens_lookup is not None:
            found = await maybe_await(options.ens_lookup(wallet_address=address))
            if isinstance(found, dict):  # ``??`` as Better Auth: only a missing value falls back
                if isinstance(found.get("name"), str):
                    name = found["name"]
                if isinstance(found.get("avatar"), str):
                    avatar = found["avatar"]
        try:
            return await create_user(ctx, name, avatar, user_email, address, chain_id)
        except UniqueViolation:
            # the same wallet signed in concurrently: its user is the one that won
            won = await adapter.find_one("walletAddress", [Where("address", address), Where("chainId", chain_id)])
            if won is not None:
                winner = await store.find_user_by_id(str(won["userId"]))
                if winner is not None:
                    return winner
            if user_email != normalized:
                raise
            # the email was claimed meanwhile by someone else: the wallet keeps its own address
            return await create_user(ctx, name, avatar, wallet_email, address, chain_id)

    async def create_user(ctx: RequestContext, name: str, avatar: str, email: str, address: str,
                          chain_id: int) -> Any:
        auth = ctx.auth
        now = auth.now()
        async with auth.store.transaction() as tx:
            # lower-cased as Better Auth's ``createUser`` does (the checksummed address in a wallet email too)
            user = await auth.store.create_user(
                {"name": name, "email": email.lower(), "emailVerified": False, "image": avatar,
                 "createdAt": now, "updatedAt": now}, tx)
            await tx.create("walletAddress", {
                "id": auth.generate_id("walletAddress"), "userId": user["id"], "address": address,
                "chainId": chain_id, "isPrimary": True, "createdAt": now})
            await auth.store.create_account({
                "userId": user["id"], "providerId": "siwe", "accountId": f"{address}:{chain_id}",
                "createdAt": now, "updatedAt": now}, tx)
        return user

    async def link_wallet(ctx: RequestContext, user_id: str, address: str, chain_id: int, *, primary: bool) -> None:
        auth = ctx.auth
        now = auth.now()
        async with auth.store.transaction() as tx:
            try:
                await tx.create("walletAddress", {
                    "id": auth.generate_id("walletAddress"), "userId": user_id, "address": address,
                    "chainId": chain_id, "isPrimary": primary, "createdAt": now})
            except UniqueViolation:
                return  # linked meanwhile by a concurrent sign-in
            await auth.store.create_account({
                "userId": user_id, "providerId": "siwe", "accountId": f"{address}:{chain_id}",
                "createdAt": now, "updatedAt": now}, tx)

    return get_siwe_nonce, get_nonce, verify_siwe_message
