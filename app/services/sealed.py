"""ID numbers and phone numbers sealed at rest: encrypted in the database, with a key kept outside it.

Every sealed column is listed once, in ``FIELDS`` below. A sealed value is stored as

    s1:<key id>:<base64url of nonce, ciphertext and tag>

(AES-256-GCM from ``cryptography``, a fresh 96-bit nonce per value, the table and column as
associated data, so a value copied into another column does not open). The key id says which
key sealed it, so keys can rotate (``python -m app keys add | rotate | retire``, docs/privacy.md).

Beside each sealed column are, in plain:

- its masked form (``app.domain.masking``): what most roles see, shown without the key;
- for the columns that are searched (a returning visitor by phone, the watchlist by ID number or
  phone, a person by phone), a keyed hash: HMAC-SHA256 under a key of its own over the value's
  normal form (``app.domain.watchlist``), hex. Equal values have equal hashes; without the key a
  hash says nothing about the value.

An empty value stays empty (and its hash and masked form too): "no phone given" is not a secret.

The keys live in ``var/field_keys.json`` (made on first use, readable by its owner only), or in
the environment variable ``GATEPOST_FIELD_KEYS`` (the same JSON), which then wins:

    {"current": "<key id>", "keys": {"<key id>": "<base64 of 32 bytes>", ...}, "mac": "<base64 of 32 bytes>"}

A value sealed under a key the keyring lacks, or altered, raises ``SealError``: never a wrong or
empty answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.domain.masking import mask_id_number, mask_phone
from app.domain.watchlist import norm_id_number, norm_phone

PREFIX = "s1"
KEY_FILE = "field_keys.json"
NONCE_BYTES = 12


class SealError(RuntimeError):
    """A sealed value cannot be opened (unknown key, wrong key, altered), or the keys are unusable."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key_id() -> str:
    return secrets.token_hex(4)


@dataclass(frozen=True)
class Keyring:
    """The encryption keys by id, the one new values are sealed with, and the hash key."""

    keys: dict[str, bytes]
    current: str
    mac: bytes

    def __post_init__(self):
        if self.current not in self.keys:
            raise SealError(f"The current key {self.current!r} is not among the keys.")
        for kid, key in self.keys.items():
            if len(key) != 32 or not kid.isalnum():
                raise SealError(f"Key {kid!r} must be 32 bytes with an id of letters and digits.")
        if len(self.mac) < 32:
            raise SealError("The hash key must be at least 32 bytes.")

    @classmethod
    def generate(cls) -> Keyring:
        kid = new_key_id()
        return cls(keys={kid: AESGCM.generate_key(bit_length=256)}, current=kid, mac=secrets.token_bytes(32))

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            data = json.loads(text)
            return cls(keys={kid: base64.b64decode(key) for kid, key in data["keys"].items()},
                       current=data["current"], mac=base64.b64decode(data["mac"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise SealError(f"The field keys cannot be read ({exc.__class__.__name__}: {exc}).") from exc

    def to_json(self) -> str:
        return json.dumps({"current": self.current,
                           "keys": {kid: base64.b64encode(key).decode() for kid, key in self.keys.items()},
                           "mac": base64.b64encode(self.mac).decode()}, indent=2) + "\n"

    def with_new_key(self) -> Keyring:
        kid = new_key_id()
        while kid in self.keys:
            kid = new_key_id()
        return Keyring(keys={**self.keys, kid: AESGCM.generate_key(bit_length=256)}, current=kid, mac=self.mac)

    def without(self, kids: Iterable[str]) -> Keyring:
        drop = set(kids) - {self.current}
        return Keyring(keys={k: v for k, v in self.keys.items() if k not in drop}, current=self.current, mac=self.mac)

    # Sealing --------------------------------------------------------------------------------

    def seal(self, plain: str, aad: str) -> str:
        if not plain:
            return ""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, plain.encode(), aad.encode())
        return f"{PREFIX}:{self.current}:{_b64(nonce + sealed)}"

    def open(self, token: str, aad: str) -> str:
        if not token:
            return ""
        kid = key_id(token)
        key = self.keys.get(kid)
        if key is None:
            raise SealError(f"A sealed value ({aad}) is under key {kid!r}, which the keyring lacks: "
                            "restore that key (var/field_keys.json or GATEPOST_FIELD_KEYS).")
        blob = _unb64(token.split(":", 2)[2])
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode()).decode()
        except InvalidTag as exc:
            raise SealError(f"A sealed value ({aad}) does not open under key {kid!r}: "
                            "the key is wrong or the value was altered.") from exc

    def digest(self, normal: str) -> str:
        """The keyed hash of a value already in normal form; empty for an empty value."""
        if not normal:
            return ""
        return hmac.new(self.mac, normal.encode(), hashlib.sha256).hexdigest()


def key_id(token: str) -> str:
    parts = token.split(":", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        raise SealError("A value that should be sealed is not: run `python -m app migrate`.")
    return parts[1]


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX + ":")


# Where the keys live ---------------------------------------------------------------------------


def key_file(var_dir: Path) -> Path:
    return var_dir / KEY_FILE


def load(var_dir: Path, from_env: str | None) -> Keyring:
    """The keyring from the environment's JSON when given, else from var/field_keys.json, made
    (0600, written whole then linked into place, so workers starting together agree) if absent."""
    if from_env:
        return Keyring.from_json(from_env)
    path = key_file(var_dir)
    if not path.exists():
        write_file(var_dir, Keyring.generate(), replace=False)
    if path.stat().st_mode & 0o077:
        raise SealError(f"{path} must be readable by its owner only (chmod 600 {path}).")
    return Keyring.from_json(path.read_text())


def write_file(var_dir: Path, keyring: Keyring, *, replace: bool) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=var_dir, prefix=".field_keys.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(keyring.to_json())
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(draft, key_file(var_dir))
        else:
            try:
                os.link(draft, key_file(var_dir))
            except FileExistsError:
                pass
    finally:
        if os.path.exists(draft):
            os.unlink(draft)


_keyring: Keyring | None = None


def keyring() -> Keyring:
    global _keyring
    if _keyring is None:
        from app.settings import get_settings

        settings = get_settings()
        _keyring = load(settings.var_dir, settings.field_keys)
    return _keyring


def use(ring: Keyring | None) -> None:
    """Replace the keyring in use (after ``keys add``; tests); None reads it again when next needed."""
    global _keyring
    _keyring = ring


# The sealed columns ------------------------------------------------------------------------------

ID_NUMBER = "id_number"
PHONE = "phone"
TEXT = "text"  # free text that may hold phones or ID numbers: sealed whole, never searched, no masked form

_NORMAL = {ID_NUMBER: norm_id_number, PHONE: norm_phone}
_MASK = {ID_NUMBER: mask_id_number, PHONE: mask_phone}


@dataclass(frozen=True)
class Field:
    """One sealed column: the table, the column holding the sealed value, what it holds, and the
    plain columns beside it (the keyed hash, if searched; the masked form)."""

    tablename: str
    column: str
    kind: str
    hash_column: str | None
    masked_column: str | None

    @property
    def aad(self) -> str:
        return f"{self.tablename}.{self.column}"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.column, self.hash_column, self.masked_column) if c)


# The one list. Retention (erasing personal fields after N years) erases all of ``Field.columns``.
FIELDS: tuple[Field, ...] = (
    Field("registration", "id_number", ID_NUMBER, None, "id_number_masked"),
    Field("registration", "phone", PHONE, "phone_hash", "phone_masked"),
    Field("visitor_pass", "guest_phone", PHONE, "guest_phone_key", "guest_phone_masked"),
    Field("watchlist_entry", "id_number", ID_NUMBER, "id_number_hash", "id_number_masked"),
    Field("watchlist_entry", "phone", PHONE, "phone_hash", "phone_masked"),
    Field("release_slip", "carrier_id_number", ID_NUMBER, None, "carrier_id_number_masked"),
    Field("release_slip", "carrier_phone", PHONE, None, "carrier_phone_masked"),
    Field("person", "phone", PHONE, "phone_hash", "phone_masked"),
    Field("lost_found_record", "contact", TEXT, None, None),
    # A disclosure: the phone and ID number asked for (shown only in full, to those who may see
    # the disclosure; never searched), and the extract handed over, sealed whole.
    Field("disclosure", "asked_phone", PHONE, None, None),
    Field("disclosure", "asked_id_number", ID_NUMBER, None, None),
    Field("disclosure", "extract_csv", TEXT, None, None),
)

_BY_COLUMN = {(f.tablename, f.column): f for f in FIELDS}


def field(table, column: str) -> Field:
    return _BY_COLUMN[(_tablename(table), column)]


def fields_of(table) -> tuple[Field, ...]:
    name = _tablename(table)
    return tuple(f for f in FIELDS if f.tablename == name)


def _tablename(table) -> str:
    return table if isinstance(table, str) else table._meta.tablename


def hash_of(kind: str, value: str, ring: Keyring | None = None) -> str:
    """The keyed hash of a typed value (put in normal form first): what searches compare."""
    return (ring or keyring()).digest(_NORMAL[kind](value))


def columns_for(f: Field, value: str, ring: Keyring | None = None) -> dict[str, str]:
    """What to store for one value: the sealed value, its hash if searched, its masked form."""
    ring = ring or keyring()
    value = value or ""
    out = {f.column: ring.seal(value, f.aad)}
    if f.masked_column:
        out[f.masked_column] = _MASK[f.kind](value)
    if f.hash_column:
        out[f.hash_column] = ring.digest(_NORMAL[f.kind](value))
    return out


def seal(table, values: dict) -> dict:
    """``values`` (column name to value, plain) with every sealed column of ``table`` replaced by
    what is stored for it; other columns pass through. For ``Table(**seal(Table, {...}))``."""
    out = dict(values)
    for f in fields_of(table):
        if f.column in values:
            out.update(columns_for(f, values[f.column]))
    return out


def seal_update(table, values: dict) -> dict:
    """As ``seal``, keyed by the table's columns, for ``Table.update({...})``. ``values`` may be
    keyed by column objects or names."""
    named = {(k if isinstance(k, str) else k._meta.name): v for k, v in values.items()}
    return {getattr(table, name): value for name, value in seal(table, named).items()}


def open_value(table, column: str, token: str) -> str:
    return keyring().open(token or "", field(table, column).aad)


def open_row(table, row: dict | None, *columns: str, aliases: dict[str, str] | None = None) -> dict | None:
    """Open the sealed columns of ``row`` in place (all of the table's that are present, or those
    named); ``aliases`` maps a key of the row to the column it was selected from."""
    if row is None:
        return None
    ring = keyring()
    wanted = columns or tuple(f.column for f in fields_of(table))
    for column in wanted:
        if column in row:
            row[column] = ring.open(row[column] or "", field(table, column).aad)
    for key, column in (aliases or {}).items():
        if key in row:
            row[key] = ring.open(row[key] or "", field(table, column).aad)
    return row


def open_rows(table, rows: list[dict], *columns: str, aliases: dict[str, str] | None = None) -> list[dict]:
    for row in rows:
        open_row(table, row, *columns, aliases=aliases)
    return rows


# Rotation ----------------------------------------------------------------------------------------


def _tables() -> dict:
    from app.models.desk_requests import LostFoundRecord
    from app.models.people import Person
    from app.models.records import Disclosure
    from app.models.releases import ReleaseSlip
    from app.models.visitors import Registration, VisitorPass, WatchlistEntry

    return {t._meta.tablename: t for t in (Person, ReleaseSlip, Registration, VisitorPass, WatchlistEntry,
                                            LostFoundRecord, Disclosure)}


async def key_usage() -> dict[str, int]:
    """How many stored values each key id seals."""
    tables = _tables()
    usage: dict[str, int] = {}
    for f in FIELDS:
        table = tables[f.tablename]
        column = getattr(table, f.column)
        for row in await table.select(column.as_alias("value")).where(column != ""):
            kid = key_id(row["value"])
            usage[kid] = usage.get(kid, 0) + 1
    return usage


async def reseal_all(ring: Keyring | None = None, *, batch: int = 500) -> int:
    """Every value sealed under another key than the current one, opened and sealed again under
    the current one; returns how many. Hashes and masked forms do not change (same values, same
    hash key). Safe to run again, and while the app runs: each value is replaced only if it is
    still the one that was read."""
    ring = ring or keyring()
    tables = _tables()
    done = 0
    for f in FIELDS:
        table = tables[f.tablename]
        column = getattr(table, f.column)
        while True:
            rows = await table.select(table.id, column.as_alias("value")).where(
                (column != "") & column.not_like(f"{PREFIX}:{ring.current}:%")).limit(batch)
            moved = 0
            for row in rows:
                fresh = ring.seal(ring.open(row["value"], f.aad), f.aad)
                moved += len(await table.update({column: fresh}).where(
                    (table.id == row["id"]) & (column == row["value"])).returning(table.id))
            done += moved
            if not moved:  # nothing left, or only values changing under our feet: run again later
                break
    return done


def add_key(var_dir: Path, from_env: str | None) -> Keyring:
    """A new key, made current, beside the old ones (which still open what they sealed). Written to
    var/field_keys.json; with the keys in the environment, the caller shows the new JSON instead."""
    ring = load(var_dir, from_env).with_new_key()
    if not from_env:
        write_file(var_dir, ring, replace=True)
    use(ring)
    return ring


async def retire(var_dir: Path, from_env: str | None) -> tuple[Keyring, list[str]]:
    """The keys no stored value is sealed under any more (never the current one), removed."""
    ring = load(var_dir, from_env)
    usage = await key_usage()
    unused = [kid for kid in ring.keys if kid != ring.current and not usage.get(kid)]
    ring = ring.without(unused)
    if unused and not from_env:
        write_file(var_dir, ring, replace=True)
    use(ring)
    return ring, unused
