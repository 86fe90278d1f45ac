"""EIP-4361 message parsing as Better Auth 1.7.24's ``parse-message`` does it (lenient: fields it cannot read
are left out and the endpoint refuses the message for what is missing), ERC-55 checksums, and the Keccak-256
they need (Ethereum's Keccak, not NIST SHA3-256, so ``hashlib`` has no answer)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

HEADER_RE = re.compile(r"^(?:([a-zA-Z][a-zA-Z0-9+.-]*)://)?(\S+) wants you to sign in with your Ethereum account:$")
ADDRESS_RE = re.compile(r"^0x[a-fA-F0-9]{40}$")
FIELD_RE = re.compile(r"^([A-Za-z ]+): (.*)$")
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*://")
_DECIMAL_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_PREFIXED_RE = re.compile(r"0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")


@dataclass
class SiweMessage:
    scheme: str | None = None
    domain: str | None = None
    address: str | None = None
    uri: str | None = None
    version: str | None = None
    chain_id: int | None = None
    nonce: str | None = None
    issued_at: str | None = None
    expiration_time: str | None = None
    not_before: str | None = None
    request_id: str | None = None


def _js_integer(value: str) -> int | None:
    """``Number(value)`` when ``Number.isInteger`` holds for it: decimal (``1``, ``1.0``, ``1e3``), or ``0x``/``0o``/
    ``0b`` without a sign; surrounding whitespace ignored. ``Number("")`` is 0 (refused later as not positive)."""
    text = value.strip()
    if not text:
        return 0
    if _PREFIXED_RE.fullmatch(text):
        return int(text, 0)
    if not _DECIMAL_RE.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if abs(number.adjusted()) > 400:  # beyond a double: Infinity or 0 in JavaScript, never a chain id
        return None
    return int(number) if number == number.to_integral_value() else None


def parse_siwe_message(message: str) -> SiweMessage:
    result = SiweMessage()
    lines = re.split(r"\r?\n", message)
    header = HEADER_RE.match(lines[0]) if lines else None
    if header:
        result.scheme = header.group(1) or None
        result.domain = header.group(2)
    address = lines[1].strip() if len(lines) > 1 else ""
    if address and ADDRESS_RE.match(address):
        result.address = address
    for line in lines:
        match = FIELD_RE.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2)
        if key == "URI":
            result.uri = value
        elif key == "Version":
            result.version = value
        elif key == "Chain ID":
            parsed = _js_integer(value)
            if parsed is not None:
                result.chain_id = parsed
        elif key == "Nonce":
            result.nonce = value
        elif key == "Issued At":
            result.issued_at = value
        elif key == "Expiration Time":
            result.expiration_time = value
        elif key == "Not Before":
            result.not_before = value
        elif key == "Request ID":
            result.request_id = value
    return result


def normalize_siwe_domain(domain: str) -> str:
    """Better Auth's ``normalizeSiweDomain``: no scheme, no path, lower case — ``host[:port]``."""
    without_scheme = _SCHEME_RE.sub("", domain.strip().lower(), count=1)
    return without_scheme.split("/", 1)[0]


def parse_time(value: str) -> float | None:
    """Seconds since the epoch of an RFC 3339 time (``Date.parse`` of what EIP-4361 allows); ``None`` when it
    does not parse (Better Auth then skips the check, as ``Number.isNaN``)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    if parsed.tzinfo is None:  # Date.parse reads a date-time without an offset as local time; UTC here
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


# Keccak-f[1600], the permutation Ethereum's keccak256 runs (the pre-standard padding 0x01, not SHA3's 0x06)
_RC = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000, 0x000000000000808B,
    0x0000000080000001, 0x8000000080008081, 0x8000000000008009, 0x000000000000008A, 0x0000000000000088,
    0x0000000080008009, 0x000000008000000A, 0x000000008000808B, 0x800000000000008B, 0x8000000000008089,
    0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
_MASK = (1 << 64) - 1


def _rol(x: int, n: int) -> int:
    return ((x << n) | (x >> (64 - n))) & _MASK if n else x


def _keccak_f(a: list[list[int]]) -> None:
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        for x in range(5):
            for y in range(5):
                a[x][y] ^= d[x]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        for x in range(5):
            for y in range(5):
                a[x][y] = b[x][y] ^ ((~b[(x + 1) % 5][y]) & b[(x + 2) % 5][y])
        a[0][0] ^= rc


def keccak256(data: bytes) -> bytes:
    rate = 136
    padded = bytearray(data) + b"\x01" + b"\x00" * ((rate - (len(data) + 1) % rate) % rate)
    padded[-1] |= 0x80
    state = [[0] * 5 for _ in range(5)]
    for offset in range(0, len(padded), rate):
        block = padded[offset:offset + rate]
        for i in range(rate // 8):
            state[i % 5][i // 5] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        _keccak_f(state)
    out = b"".join(state[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


def to_checksum_address(address: str) -> str:
    """ERC-55 mixed-case checksum of a ``0x`` + 40 hex address (Better Auth's ``toChecksumAddress``)."""
    lower = address.lower().replace("0x", "", 1)
    digest = keccak256(lower.encode()).hex()
    return "0x" + "".join(ch.upper() if int(digest[i], 16) >= 8 else ch for i, ch in enumerate(lower))
