from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.imports.cells import CellError, fold, parse_date, parse_decimal, parse_flag, text


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_dates_in_both_writings(day):
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day


@given(st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False))
def test_decimals_with_comma_or_point(number):
    as_text = f"{number:.2f}"
    assert parse_decimal(as_text) == pytest.approx(float(number))
    assert parse_decimal(as_text.replace(".", ",")) == pytest.approx(float(number))


@pytest.mark.parametrize("value,expected", [("Có", True), ("CÓ", True), ("có", True), ("x", True),
                                            ("X", True), ("Không", False), ("KHÔNG", False),
                                            ("", False), (None, False)])
def test_flags(value, expected):
    assert parse_flag(value) is expected


def test_bad_cells_explain_themselves():
    with pytest.raises(CellError, match="31/02/1990"):
        parse_date("31/02/1990")
    with pytest.raises(CellError):
        parse_flag("có lẽ")
    with pytest.raises(CellError):
        parse_decimal("mười")


@given(st.text(max_size=40))
def test_text_and_fold_never_raise(value):
    assert text(value) == text(text(value))
    assert fold(value) == fold(fold(value))
    assert fold("HỌ VÀ TÊN") == fold("ho va ten") == fold("  Họ  và tên ")
