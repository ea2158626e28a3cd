"""Codes printed in QR: a kind, a record id and the estate's Ed25519 signature.

Signed so that a guard's phone can check a code with no signal (the phone holds only the
public key, so a stolen phone cannot mint passes); the server still decides use counts,
revocation and watchlists when online. Encoded in upper-case base32 without padding, which
is inside the QR alphanumeric alphabet: 81 bytes become 130 characters, a version 6 code at
error correction M, small enough for a cheap phone to read from another phone's screen.
"""

from __future__ import annotations

import base64
import binascii
import enum
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

FORMAT_VERSION = 1
SIGNATURE_BYTES = 64
BODY_BYTES = 1 + 16  # version and kind in one byte, then the record's UUID
TOKEN_BYTES = BODY_BYTES + SIGNATURE_BYTES


class Kind(enum.IntEnum):
    VISITOR_PASS = 1
    RELEASE_SLIP = 2
    CHECKPOINT = 3
    GOODS_PERMIT = 4


@dataclass(frozen=True)
class Code:
    kind: Kind
    record_id: UUID


def _b32encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def _b32decode(text: str) -> bytes | None:
    cleaned = text.strip().upper().replace(" ", "")
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        return None


def sign(code: Code, key: Ed25519PrivateKey) -> str:
    body = bytes([(FORMAT_VERSION << 4) | int(code.kind)]) + code.record_id.bytes
    return _b32encode(body + key.sign(body))


def read(token: str, key: Ed25519PublicKey) -> Code | None:
    """The code behind a token, or None for anything malformed, forged or of another estate."""
    raw = _b32decode(token or "")
    if raw is None or len(raw) != TOKEN_BYTES:
        return None
    body, signature = raw[:BODY_BYTES], raw[BODY_BYTES:]
    try:
        key.verify(signature, body)
    except InvalidSignature:
        return None
    version, kind = body[0] >> 4, body[0] & 0x0F
    if version != FORMAT_VERSION or kind not in Kind._value2member_map_:
        return None
    return Code(kind=Kind(kind), record_id=UUID(bytes=body[1:]))


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_from_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
