"""The estate's signing key and the QR codes it signs (visitor passes, release slips, checkpoints).

Each estate gets its Ed25519 key the first time it needs one. Keys never change, so they are
kept in memory once read. A token of another estate, forged, truncated or bit-flipped reads
as None: the scanner shows "unknown" and learns nothing more.
"""

from __future__ import annotations

from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.db import is_integrity_error
from app.domain import tokens
from app.domain.tokens import Code, Kind
from app.models.estates import EstateKey

_keys: dict[UUID, Ed25519PrivateKey] = {}
_public_keys: dict[UUID, Ed25519PublicKey] = {}


async def signing_key(estate_id: UUID) -> Ed25519PrivateKey:
    key = _keys.get(estate_id)
    if key is not None:
        return key
    row = await EstateKey.select(EstateKey.private_key).where(EstateKey.estate == estate_id).first()
    if row is None:
        fresh = tokens.new_private_key()
        try:
            await EstateKey.insert(EstateKey(
                estate=estate_id,
                private_key=tokens.private_key_bytes(fresh).hex(),
                public_key=tokens.public_key_bytes(fresh).hex(),
            ))
        except Exception as exc:  # another request made the key first: use theirs
            if not is_integrity_error(exc):
                raise
        row = await EstateKey.select(EstateKey.private_key).where(EstateKey.estate == estate_id).first()
    key = tokens.private_key_from_bytes(bytes.fromhex(row["private_key"]))
    _keys[estate_id] = key
    return key


async def public_key_hex(estate_id: UUID) -> str:
    """The estate's public key, as the guards' phones check codes with it (the gate manifest)."""
    return tokens.public_key_bytes(await signing_key(estate_id)).hex()


async def sign(estate_id: UUID, kind: Kind, record_id: UUID) -> str:
    return tokens.sign(Code(kind, record_id), await signing_key(estate_id))


# Codes whose signature checked out, by estate and token: a scan reads its code twice (verify,
# then admit) and checking a signature is the dearest step of reading one. A code's meaning
# never changes (whether its pass still admits is the database's answer), so a kept reading
# needs no expiry; the store is emptied when full. Failed readings are not kept.
_READ_KEEP = 2048
_read: dict[tuple[UUID, str], Code] = {}


async def read(estate_id: UUID, token: str) -> Code | None:
    kept = _read.get((estate_id, token))
    if kept is not None:
        return kept
    public = _public_keys.get(estate_id)
    if public is None:
        public = _public_keys[estate_id] = (await signing_key(estate_id)).public_key()
    code = tokens.read(token, public)
    if code is not None:
        if len(_read) >= _READ_KEEP:
            _read.clear()
        _read[(estate_id, token)] = code
    return code
