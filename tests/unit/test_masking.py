"""Personal data is shown with only its ends."""

from hypothesis import given
from hypothesis import strategies as st

from app.domain.masking import mask_id_number, mask_phone


def test_an_id_number_shows_its_first_three_and_last_four_characters():
    assert mask_id_number("110101199003071234") == "110***********1234"


def test_a_mobile_number_shows_its_first_three_and_last_four_digits():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("+8613912345678") == "+861******5678"


def test_short_values_are_masked_whole():
    assert mask_id_number("1234") == "****"
    assert mask_phone("110") == "***"
    assert mask_phone("") == ""


@given(st.text(alphabet="0123456789X", min_size=5, max_size=30))
def test_masking_keeps_the_length_and_hides_the_middle(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[-4:] == value[-4:]
    assert set(masked[3:-4]) <= {"*"}
