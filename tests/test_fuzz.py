"""Random sequences of updates for every role through the real Application: no handler
raises, every private message gets an answer, the stored data stays consistent."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from models import Cadre, Entry, Evaluation, FlowState, NoticeDelivery
from tests.test_flow_report import setup

ALPHABET = ("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ0123456789 ,.%-/:;\n"
            "\u200b\u200f\u202e😀🇻🇳\u0301\u0323אבגعربي")
LABELS = ["📝 Báo cáo KPI", "📊 Kết quả của tôi", "📚 Bồi dưỡng", "🔔 Thông báo", "✅ Phê duyệt",
          "📈 Tổng hợp", "❓ Trợ giúp", "📱 Chia sẻ số điện thoại"]
COMMANDS = ["/start", "/start ABCDEFGHJK", "/huy", "/baocao", "/ketqua", "/boiduong",
            "/thongbao", "/pheduyet", "/tonghop", "/trogiup", "/chitieu", "/caidat",
            "/suabaocao", "/suabaocao XTH004 2026-11", "/khongco x y"]
PREFIXES = ["kp", "kb", "rs", "rv", "ra", "ry", "dl", "tg", "tr", "nt", "dg", "rm", "xx"]
ACTIONS = ["o", "e", "a", "n", "s", "y", "r", "g", "gc", "sub", "ok", "p", "A", "AA", "R", "rt",
           "rr", "adj", "v", "c", "k", "x", "m", "new", "f", "next", "now", "go", "st", "fu",
           "z", "off", "t", "u", "pp", "d", "b", "l", "req", "noatt", "q"]


def random_text(rng: random.Random) -> str:
    size = rng.choice([0, 1, 3, 10, 40, 300, 4096])
    return "".join(rng.choice(ALPHABET) for _ in range(size)) or " "


def random_data(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.15:
        return random_text(rng)[:70]
    parts = [rng.choice(PREFIXES), rng.choice(ACTIONS)]
    parts += [str(rng.choice([0, 1, 2, 3, 5, 10, 999999, -1])) if rng.random() < 0.8
              else rng.choice(["x", "", "XTH", "1.5"]) for _ in range(rng.randint(0, 4))]
    return ":".join(parts)


async def act(person, rng: random.Random) -> None:
    choice = rng.random()
    fake = person.fake
    if choice < 0.2:
        await person.send(rng.choice(LABELS))
    elif choice < 0.35:
        await person.send(rng.choice(COMMANDS))
    elif choice < 0.55:
        await person.send(random_text(rng))
    elif choice < 0.7 and fake.messages and any(m.buttons for m in fake.messages):
        message = next(m for m in reversed(fake.messages) if m.buttons)
        label = rng.choice(message.buttons)
        try:
            await person.tap(label)
        except LookupError:
            pass
    elif choice < 0.8:
        await person.tap_data(random_data(rng))
    elif choice < 0.85:
        await person.send_photo(content=b"\x89PNG" + bytes(rng.randrange(256) for _ in range(20)))
    elif choice < 0.9:
        await person.send_document(file_name=random_text(rng)[:30] + ".bin",
                                   content=b"\x00" * rng.randint(0, 50),
                                   mime_type=rng.choice(["application/pdf", "image/png",
                                                         "application/octet-stream"]))
    elif choice < 0.93:
        await person.send_sticker()
    elif choice < 0.96:
        await person.share_contact(user_id=rng.choice(["self", 12345, None]))
    else:
        fake.text_in_group(random_text(rng)[:50], chat_id=-100777,
                           chat_type=rng.choice(["group", "supergroup", "channel"]))
        await person.harness.process()


@pytest.mark.parametrize("seed", range(6))
async def test_random_updates_never_break_the_bot(harness, clock, seed):
    thao, anh = await setup(harness, clock)
    stranger = harness.person(999_001, "Lạ", phone="+84900000001")
    async with harness.db.session() as s:
        board = await s.scalar(select(Cadre).where(Cadre.code == "BTC002"))
        board.telegram_user_id = board.telegram_chat_id = 999_002
    ha = harness.person(999_002, "Hà")
    people = [thao, anh, stranger, ha]
    rng = random.Random(seed)
    for _ in range(60):
        person = rng.choice(people)
        before = len(harness.emulator.calls)
        await act(person, rng)
        assert harness.errors == [], f"seed {seed}: {harness.errors!r}"
        # every message and every tap gets an answer (a reply, an edit or a tap answer)
        assert len(harness.emulator.calls) > before, f"seed {seed}: no answer"
    async with harness.db.session() as s:
        for entry in await s.scalars(select(Entry)):
            assert entry.status in ("draft", "submitted", "approved", "returned")
            assert entry.quantity_done is None or entry.quantity_done >= 0
            if entry.quantity_passed is not None and entry.quantity_done is not None:
                assert entry.quantity_passed <= entry.quantity_done + 1e-9
        for ev in await s.scalars(select(Evaluation)):
            assert ev.total_score is None or 0 <= ev.total_score <= 100
        for d in await s.scalars(select(NoticeDelivery)):
            assert d.status in ("queued", "sending", "sent", "failed", "blocked")
        assert all(f.flow for f in await s.scalars(select(FlowState)))
