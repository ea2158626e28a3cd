"""QR codes: signed, compact, and anything not made by the estate's key reads as nothing."""

import string
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from app.domain.tokens import Code, Kind, new_private_key, read, sign

KEY = new_private_key()
OTHER_ESTATE_KEY = new_private_key()
QR_ALPHANUMERIC = set(string.ascii_uppercase + string.digits + " $%*+-./:")

codes = st.builds(Code, kind=st.sampled_from(list(Kind)), record_id=st.uuids())


@given(codes)
def test_a_signed_code_reads_back_as_itself(code):
    assert read(sign(code, KEY), KEY.public_key()) == code


@given(codes)
def test_a_token_stays_in_the_qr_alphanumeric_alphabet_and_short(code):
    token = sign(code, KEY)
    assert set(token) <= QR_ALPHANUMERIC
    assert len(token) == 130  # version 6 at error correction M holds 154


@given(codes)
def test_another_estates_code_reads_as_nothing(code):
    assert read(sign(code, OTHER_ESTATE_KEY), KEY.public_key()) is None


@given(codes, st.data())
def test_any_flipped_bit_reads_as_nothing(code, data):
    import base64

    token = sign(code, KEY)
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    bit = data.draw(st.integers(min_value=0, max_value=len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    tampered = base64.b32encode(bytes(raw)).decode().rstrip("=")
    assert read(tampered, KEY.public_key()) is None


@given(codes, st.integers(min_value=1, max_value=129))
def test_a_truncated_token_reads_as_nothing(code, keep):
    assert read(sign(code, KEY)[:keep], KEY.public_key()) is None


@given(st.text(max_size=200))
def test_arbitrary_text_reads_as_nothing(text):
    assert read(text, KEY.public_key()) is None


def test_a_token_typed_in_lower_case_with_spaces_still_reads():
    code = Code(Kind.VISITOR_PASS, UUID("12345678-1234-5678-1234-567812345678"))
    token = sign(code, KEY)
    typed = " ".join(token[i:i + 4] for i in range(0, len(token), 4)).lower()
    assert read(typed, KEY.public_key()) == code
