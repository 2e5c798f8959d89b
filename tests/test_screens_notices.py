"""The buttons of 🔔 Thông báo and 📚 Bồi dưỡng keep the wire format of the buttons already
in people's chats (and of those the outbox and the reminders build)."""

from __future__ import annotations

from handlers.callbacks import decode
from handlers.screens import notices as nt
from handlers.screens import training as tr


def data_of(markup) -> list[str]:
    return [b.callback_data for row in markup.inline_keyboard for b in row]


def test_the_buttons_other_parts_of_the_bot_build():
    assert data_of(nt.ack_markup("ack", 12)) == ["nt:a:12"]
    assert data_of(nt.ack_markup("register", 12)) == ["nt:a:12"]
    assert nt.ack_markup("none", 12) is None
    assert nt.OPEN.data(7) == "nt:o:7"
    assert tr.OPEN_MINE.data() == "tr:m"


def test_filters_with_and_without_a_value():
    assert [nt.filter_change(t.what, t.value) for t in (
        decode(d, "nt") for d in ("nt:f:r", "nt:f:l:x", "nt:f:s:v", "nt:f:q:12", "nt:f:u"))] == [
        ("reset",), ("toggle", "levels", "xa"), ("toggle", "staff_types", "vien_chuc"),
        ("missing", 12), ("ask", "units")]
    assert nt.FILTER.data("r") == "nt:f:r" and nt.FILTER.data("l", "t") == "nt:f:l:t"
    for forged in ("nt:f", "nt:f:l:t:x", "nt:f:l:", "nt:f:l:xa", "nt:f:r:1", "nt:f:q:x",
                   "nt:f:q:99999999999999999999", "nt:f:z"):
        tap = decode(forged, "nt")
        assert tap is None or nt.filter_change(tap.what, tap.value) is None, forged


def test_the_screens_buttons_read_back():
    text, markup = nt.audience_screen({"levels": ["xa"]}, 3)
    assert "nt:f:l:x" in data_of(markup) and data_of(markup)[-1] == "nt:next"
    assert data_of(nt.ack_question()[1]) == ["nt:k:1", "nt:k:2", "nt:k:0"]
    assert data_of(tr.ask_category({}, 1)[1]) == [f"tr:c:{i}" for i in range(5)]
    assert data_of(tr.ask_provider({}, 2)[1]) == ["tr:s:2"]
