import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import fmt_number
from bot.services.numbers import AmbiguousNumber, NotANumber, parse_number


@pytest.mark.parametrize(
    "text,value",
    [("125", 125), ("1.250", 1250), ("1 250", 1250), ("12,5", 12.5), ("12.5%", 12.5),
     ("12.5", 12.5), ("0.125", 0.125), ("1.234,5", 1234.5), ("1,234.5", 1234.5),
     ("1.234.567", 1234567), (" 98 % ", 98), ("-3", -3), ("0", 0), ("100%", 100),
     ("125 hồ sơ", 125), ("1.250 hồ sơ.", 1250), ("7 điểm", 7), ("0,125", 0.125),
     ("1234,567", 1234.567)],
)
def test_vietnamese_ways_of_typing_numbers(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["mười", "", "abc", "1,2,3", "1.2.3", "12..5", "%", "1e5",
                                  ",5", "5,", "1.23.456", "--1", "12 tháng 5", "khoảng 120",
                                  "5 hoặc 6"])
def test_not_numbers(text):
    with pytest.raises(NotANumber):
        parse_number(text)


@given(st.integers(min_value=0, max_value=10**9))
def test_round_trip_of_vietnamese_formatted_integers(n):
    assert parse_number(fmt_number(n)) == n


@given(st.decimals(min_value=0, max_value=10**6, places=1, allow_nan=False))
def test_round_trip_of_one_decimal(d):
    assert parse_number(fmt_number(float(d), 1)) == pytest.approx(float(d))


@given(st.text(max_size=30))
def test_never_raises_anything_but_not_a_number(text):
    try:
        parse_number(text)
    except NotANumber:
        pass


@pytest.mark.parametrize("text,readings", [("1,000", (1, 1000)), ("1,250", (1.25, 1250)),
                                           ("12,500 hồ sơ", (12.5, 12500))])
def test_a_comma_before_three_digits_reads_two_ways(text, readings):
    with pytest.raises(AmbiguousNumber) as caught:
        parse_number(text)
    assert caught.value.readings == pytest.approx(readings)
