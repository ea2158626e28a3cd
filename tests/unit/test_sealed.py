"""Sealing ID numbers and phones (app/services/sealed.py): what is stored opens to what was
written, under the key it names, and nothing else opens it."""

from __future__ import annotations

import base64
import json
import os
import stat

import pytest
from piccolo.columns import Text

from app.models.desk_requests import LostFoundRecord
from app.models.people import Person
from app.models.records import Disclosure
from app.models.releases import ReleaseSlip
from app.models.visitors import Registration, VisitorPass, WatchlistEntry
from app.services import sealed
from app.services.sealed import Keyring, SealError

AAD = "registration.id_number"
ID = "11010519900307123X"


@pytest.fixture
def ring() -> Keyring:
    return Keyring.generate()


def test_a_value_opens_to_what_was_sealed_and_names_its_key(ring):
    token = ring.seal(ID, AAD)
    assert ID not in token and token.startswith(f"s1:{ring.current}:")
    assert sealed.key_id(token) == ring.current
    assert ring.open(token, AAD) == ID


def test_the_same_value_sealed_twice_looks_different(ring):
    assert ring.seal(ID, AAD) != ring.seal(ID, AAD)


def test_an_empty_value_stays_empty(ring):
    assert ring.seal("", AAD) == "" and ring.open("", AAD) == ""
    assert ring.digest("") == ""


@pytest.mark.parametrize("position", [10, 20, -1])
def test_an_altered_value_is_refused(ring, position):
    token = ring.seal(ID, AAD)
    body = bytearray(base64.urlsafe_b64decode(token.split(":", 2)[2] + "=" * (-len(token.split(":", 2)[2]) % 4)))
    body[position] ^= 1
    altered = f"s1:{ring.current}:" + base64.urlsafe_b64encode(bytes(body)).decode().rstrip("=")
    with pytest.raises(SealError, match="altered"):
        ring.open(altered, AAD)


def test_a_value_moved_to_another_column_does_not_open(ring):
    token = ring.seal(ID, AAD)
    with pytest.raises(SealError):
        ring.open(token, "watchlist_entry.id_number")


def test_the_wrong_key_under_the_same_id_fails_loudly(ring):
    token = ring.seal(ID, AAD)
    impostor = Keyring(keys={ring.current: os.urandom(32)}, current=ring.current, mac=ring.mac)
    with pytest.raises(SealError, match="key is wrong"):
        impostor.open(token, AAD)


def test_a_key_the_keyring_lacks_is_named(ring):
    token = ring.seal(ID, AAD)
    with pytest.raises(SealError, match=ring.current):
        Keyring.generate().open(token, AAD)


def test_a_plain_value_where_a_sealed_one_belongs_is_refused(ring):
    with pytest.raises(SealError, match="migrate"):
        ring.open("13912345678", "person.phone")


def test_a_new_key_seals_new_values_and_the_old_one_still_opens_its_own(ring):
    old_token = ring.seal(ID, AAD)
    rotated = ring.with_new_key()
    assert rotated.current != ring.current and set(rotated.keys) == {ring.current, rotated.current}
    assert sealed.key_id(rotated.seal(ID, AAD)) == rotated.current
    assert rotated.open(old_token, AAD) == ID
    retired = rotated.without([ring.current])
    assert set(retired.keys) == {rotated.current}
    with pytest.raises(SealError):
        retired.open(old_token, AAD)
    assert retired.without([retired.current]).keys == retired.keys  # the current key is never retired


def test_the_keyring_survives_its_json(ring):
    again = Keyring.from_json(ring.to_json())
    assert again == ring
    with pytest.raises(SealError):
        Keyring.from_json('{"current": "x"}')
    with pytest.raises(SealError):
        Keyring.from_json(json.dumps({"current": "a1", "keys": {"a1": base64.b64encode(b"short").decode()},
                                      "mac": base64.b64encode(os.urandom(32)).decode()}))


def test_the_hash_is_keyed_and_of_the_normal_form(ring):
    same = {sealed.hash_of(sealed.PHONE, v, ring) for v in ("+86 139 1234 5678", "139-1234-5678", "13912345678")}
    assert len(same) == 1 and len(same.pop()) == 64
    assert sealed.hash_of(sealed.ID_NUMBER, "110105 19900307 123x", ring) == sealed.hash_of(sealed.ID_NUMBER, ID, ring)
    assert sealed.hash_of(sealed.PHONE, "13912345678", ring) != sealed.hash_of(sealed.PHONE, "13912345678",
                                                                                Keyring.generate())


def test_what_is_stored_for_a_value_masked_form_hash_and_sealed_value(ring):
    f = sealed.field("watchlist_entry", "phone")
    stored = sealed.columns_for(f, "13912345678", ring)
    assert set(stored) == {"phone", "phone_hash", "phone_masked"}
    assert stored["phone_masked"] == "139****5678"
    assert ring.open(stored["phone"], "watchlist_entry.phone") == "13912345678"
    no_hash = sealed.columns_for(sealed.field("registration", "id_number"), ID, ring)
    assert set(no_hash) == {"id_number", "id_number_masked"} and no_hash["id_number_masked"] == "110***********123X"


def test_every_listed_column_exists_on_its_table():
    tables = {t._meta.tablename: t for t in (Person, ReleaseSlip, Registration, VisitorPass, WatchlistEntry,
                                             LostFoundRecord, Disclosure)}
    for f in sealed.FIELDS:
        names = {c._meta.name for c in tables[f.tablename]._meta.columns}
        assert set(f.columns) <= names, f
        column = getattr(tables[f.tablename], f.column)
        if isinstance(column, Text):
            assert f.kind == sealed.TEXT, f  # unbounded: a disclosure's extract
            continue
        length = column._meta.params["length"]
        longest = "😀" * (32 if f.kind != sealed.TEXT else 120)  # what validation lets through, 4 bytes each
        assert len(Keyring.generate().seal(longest, f.aad)) <= length, f  # room for the sealed form


def test_rotation_and_key_usage_reach_every_table_with_a_sealed_column():
    assert {f.tablename for f in sealed.FIELDS} <= set(sealed._tables())


def test_a_disclosures_asked_numbers_and_extract_are_sealed_with_nothing_beside_them(ring):
    extract = "\ufeffVisitor,Phone,ID number\r\nZhang Wei,13911112222,110105199001011234\r\n"
    stored = sealed.columns_for(sealed.field(Disclosure, "extract_csv"), extract, ring)
    assert list(stored) == ["extract_csv"] and "13911112222" not in stored["extract_csv"]
    assert ring.open(stored["extract_csv"], "disclosure.extract_csv") == extract  # exactly, byte-order mark too
    for column, value in (("asked_phone", "+86 139 1111 2222"), ("asked_id_number", "110105199001011234")):
        stored = sealed.columns_for(sealed.field(Disclosure, column), value, ring)
        assert list(stored) == [column] and ring.open(stored[column], f"disclosure.{column}") == value
        with pytest.raises(SealError):  # bound to its column
            ring.open(stored[column], "disclosure.extract_csv")


def test_free_text_is_sealed_whole_with_nothing_beside_it(ring):
    f = sealed.field("lost_found_record", "contact")
    stored = sealed.columns_for(f, "Auntie Wu 13512348765", ring)
    assert list(stored) == ["contact"] and ring.open(stored["contact"], f.aad) == "Auntie Wu 13512348765"
    length = LostFoundRecord.contact._meta.params["length"]
    assert len(ring.seal("😀" * 120, f.aad)) <= length  # the longest contact (120 characters of 4 bytes) fits


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path):
    first = sealed.load(tmp_path, None)
    path = tmp_path / "field_keys.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sealed.load(tmp_path, None) == first
    path.chmod(0o644)
    with pytest.raises(SealError, match="chmod 600"):
        sealed.load(tmp_path, None)


def test_keys_in_the_environment_win_over_the_file(tmp_path, ring):
    sealed.load(tmp_path, None)
    assert sealed.load(tmp_path, ring.to_json()) == ring
