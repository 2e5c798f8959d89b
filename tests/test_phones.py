from hypothesis import given
from hypothesis import strategies as st

from bot.phones import mask_phone, normalize_phone


def test_common_vietnamese_writings_normalise_to_e164():
    for raw in ["0912 345 678", "0912.345.678", "0912-345-678", "+84 912 345 678",
                "84912345678", "+84912345678", " 0912345678 "]:
        assert normalize_phone(raw) == "+84912345678", raw


def test_landline_and_invalid_numbers():
    assert normalize_phone("0243 826 1234") == "+842438261234"
    assert normalize_phone("123") is None
    assert normalize_phone("") is None
    assert normalize_phone(None) is None
    assert normalize_phone("không có") is None


def test_mask_keeps_only_last_three_digits():
    assert mask_phone("+84912345678") == "*********678"
    assert mask_phone(None) == "-"


@given(st.text(max_size=40))
def test_normalise_never_raises_and_is_idempotent(raw):
    result = normalize_phone(raw)
    if result is not None:
        assert result.startswith("+")
        assert normalize_phone(result) == result
