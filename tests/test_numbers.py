import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.i18n import fmt_number
from bot.services.imports.cells import CellError, parse_decimal
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


# One parser for the chat and the import (issue #23): a text cell reads as a typed message.

@pytest.mark.parametrize("text,value", [
    ("1.250", 1250), ("1.000", 1000), ("12,5", 12.5), ("12.5", 12.5), ("1.234,5", 1234.5),
    ("1,234.5", 1234.5), ("0,125", 0.125), ("1 250", 1250), ("-3", -3), ("80%", 80)])
def test_chat_and_import_read_a_number_alike(text, value):
    assert parse_number(text) == pytest.approx(value)
    assert parse_decimal(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["1,250", "1,000", "12,500"])
def test_chat_and_import_both_refuse_to_guess(text):
    with pytest.raises(AmbiguousNumber):
        parse_number(text)
    with pytest.raises(CellError, match="có thể hiểu là"):
        parse_decimal(text)


_NUMBERISH = st.text(alphabet="0123456789.,- %", max_size=12)


@given(st.one_of(_NUMBERISH, st.text(max_size=20)))
def test_an_import_cell_reads_exactly_as_the_chat_reads_the_same_text(text):
    """Whatever the text: the same number, or refused by both (the chat's ambiguity is the
    import's row problem)."""
    try:
        expected = parse_number(text)
    except NotANumber:
        expected = None
    if not text.strip():
        assert parse_decimal(text) is None
    elif expected is None:
        with pytest.raises(CellError):
            parse_decimal(text)
    else:
        assert parse_decimal(text) == expected


@given(st.integers(min_value=0, max_value=10**9))
def test_an_import_reads_back_what_an_export_writes(n):
    """A figure written the Vietnamese way (1.250.000) by the bot or an office's Excel."""
    assert parse_decimal(fmt_number(n)) == n
