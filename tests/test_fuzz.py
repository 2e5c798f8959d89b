"""Hypothesis throws random sequences of updates at the real Application, for every role
(cadre, supervisor, board, unlinked, stranger): no handler raises, every private message
and tap gets an answer in Vietnamese, nothing personal is posted outside private chats, and
the stored data stays consistent after each sequence (tests/invariants.py).

Each example starts from the same province: a template SQLite file copied per example, or
the PostgreSQL schema emptied and reloaded. Runs are reproducible (derandomize=True); set
CADREBOT_FUZZ_EXAMPLES to explore more.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.clock import FrozenClock
from bot.db import Database
from bot.demo import load_demo_province, roster_phone
from bot.migrate import upgrade_engine
from bot.sandbox.emulator import Emulator
from handlers.callbacks import REGISTRY
from models import Base, Cadre
from tests.harness import TOKEN, BotHarness, start_app  # imports bot.app: every feature
from tests.invariants import problems

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 20/11/2026, 09:00 in Hanoi
LINKED = {"cadre": ("XTH004", 801), "supervisor": ("XTH002", 802), "board": ("BTC002", 803)}
UNLINKED_CODE, UNLINKED_ID = "XTH005", 804  # on the roster, not linked yet: may link by contact
STRANGER_ID = 805  # not on the roster at all
ROLES = ["cadre", "supervisor", "board", "unlinked", "stranger"]
EXAMPLES = int(os.environ.get("CADREBOT_FUZZ_EXAMPLES", "0"))

# ------------------------------------------------------------------ what people can send
MENU_LABELS = ["📝 Báo cáo KPI", "📊 Kết quả của tôi", "📚 Bồi dưỡng", "🔔 Thông báo",
               "✅ Phê duyệt", "📈 Tổng hợp", "❓ Trợ giúp", "📱 Chia sẻ số điện thoại",
               "🖥 Bảng điều khiển"]
COMMANDS = ["start", "huy", "baocao", "ketqua", "boiduong", "thongbao", "pheduyet", "tonghop",
            "trogiup", "chitieu", "caidat", "suabaocao", "uyquyen", "xeploai", "guithongbao",
            "phananh", "khongco", "bangdieukhien"]
# Every prefix and action a button of the bot can carry (the typed registry, complete once
# bot.app has imported the features), plus ones that are nobody's.
CALLBACK_PREFIXES = sorted({prefix for prefix, _name in REGISTRY}) + ["xx", ""]
ACTIONS = sorted({name for _prefix, name in REGISTRY}) + ["X", ""]
ODD_PIECES = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202e",
              "\u2066", "\u2069", "\ufeff", "\u00ad", "😀", "👨‍👩‍👧‍👦", "🇻🇳", "\u0301", "\u0323",
              "אבג", "عربي", "١٢٥", "１２５", "½", "⁵", "Ⅻ", "1e309", "nan", "inf", "-0", "1_000",
              "125", "85%", "12,5", "1.250", "0", "<b>", "</i>", "&amp;", "{name}", "%s", "\\",
              "'; DROP TABLE cadres; --", "\t", "\r\n", "\x00", "\x7f", "ABCDEFGHJK"]
MIME_TYPES = ["application/pdf", "image/png", "image/jpeg", "application/octet-stream",
              "application/x-msdownload", "text/html", "application/zip", "",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
DECLARED_SIZES = [0, 1, 2048, 5 * 1024 * 1024, 20 * 1024 * 1024 + 1, 2**31 + 5]

any_text = st.text(min_size=1, max_size=80)  # every Unicode code point but surrogates
odd_text = st.lists(st.one_of(st.sampled_from(ODD_PIECES), st.text(max_size=4)),
                    min_size=1, max_size=8).map("".join).filter(bool)
long_text = st.builds(lambda piece, size: (piece * size)[:size],
                      st.sampled_from(["a", "ạ", "😀", "\u200f", "ש", "1", "Hồ sơ "]),
                      st.sampled_from([1000, 4096, 5000]))
typed_text = st.one_of(any_text, odd_text, odd_text, long_text)
id_field = st.one_of(st.integers(-3, 3000), st.integers(-2**70, 2**70).map(str),
                     st.sampled_from(["", "x", "1.5", "٣", " 1", "1_0", "0x10", "XTH004",
                                      "2026-11", "None", "-0", "passed", "note", "6079e190",
                                      "X", "ld", "l", "ABCDEFGHJK", "abcdefghjk"]))
forged_data = st.builds(lambda prefix, action, fields: ":".join([prefix, action, *map(str, fields)]),
                        st.sampled_from(CALLBACK_PREFIXES), st.sampled_from(ACTIONS),
                        st.lists(id_field, max_size=5))
callback_data = st.one_of(forged_data, forged_data, any_text.map(lambda t: t[:64]),
                          st.text(min_size=65, max_size=300))
phones = st.one_of(st.sampled_from(["own", "+84912000016", "84912000015", "+84900000001",
                                    "", "0912 000 016", "+1 202 555 0100"]),
                   st.text("0123456789+ -", max_size=25))

action = st.one_of(
    st.tuples(st.just("label"), st.sampled_from(MENU_LABELS)),
    st.tuples(st.just("label"), st.sampled_from(MENU_LABELS)),
    st.tuples(st.just("command"), st.sampled_from(COMMANDS),
              st.one_of(st.just(""), st.sampled_from(["@trolycanbo_bot", "@other_bot"]),
                        typed_text.map(lambda t: " " + t[:200]))),
    st.tuples(st.just("text"), typed_text),
    st.tuples(st.just("text"), typed_text),
    st.tuples(st.just("tap"), st.integers(0, 30)),
    st.tuples(st.just("tap"), st.integers(0, 30)),
    st.tuples(st.just("tap"), st.integers(0, 30)),
    st.tuples(st.just("tap_old"), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("forged_tap"), callback_data),
    st.tuples(st.just("contact"), st.sampled_from(["self", "other", "none"]), phones),
    st.tuples(st.just("document"), any_text.map(lambda t: t[:40] + ".bin"),
              st.sampled_from(MIME_TYPES), st.sampled_from(DECLARED_SIZES),
              st.binary(max_size=64)),
    st.tuples(st.just("photo"), st.sampled_from(DECLARED_SIZES), st.binary(max_size=64),
              st.one_of(st.none(), typed_text)),
    st.tuples(st.just("sticker")),
    st.tuples(st.just("location")),
    st.tuples(st.just("edit"), typed_text),
    st.tuples(st.just("group"), st.sampled_from(["group", "supergroup", "channel"]),
              st.one_of(typed_text, st.sampled_from(["/start", "/baocao", "📝 Báo cáo KPI"]))),
    st.tuples(st.just("added_to_group"), st.sampled_from(["group", "supergroup", "channel"])),
)
steps = st.lists(st.tuples(st.sampled_from(ROLES), action), min_size=8, max_size=40)

# ------------------------------------------------------------------ answers
VIETNAMESE_LETTERS = set("ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
ANSWER_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText",
                  "editMessageCaption", "editMessageReplyMarkup"}


def looks_vietnamese(message: str) -> bool:
    return any(ch in VIETNAMESE_LETTERS for ch in message.lower())


def chat_of(call) -> int | None:
    try:
        return int(call.params.get("chat_id"))
    except (TypeError, ValueError):
        return None


def shown_text(call) -> str | None:
    return call.params.get("text") if "text" in call.params else call.params.get("caption")


# ------------------------------------------------------------------ one example's world
@dataclass
class World:
    harness: BotHarness
    people: dict
    names: list[str]  # full names of cadres: must never reach a group


class Province:
    """The same starting province for every example, on either backend."""

    def __init__(self, db_target, tmp_path: Path) -> None:
        self.target = db_target
        self.sqlite = db_target.url.startswith("sqlite")
        self.template = tmp_path / "template.db"
        self.example_file = tmp_path / "example.db"
        self.names: list[str] = []

    async def _populate(self, db: Database) -> None:
        async with db.session() as s:
            await load_demo_province(s, NOW, link=False)
            for code, user_id in LINKED.values():
                cadre = await s.scalar(select(Cadre).where(Cadre.code == code))
                cadre.telegram_user_id = cadre.telegram_chat_id = user_id
            self.names = list(await s.scalars(select(Cadre.full_name)))

    async def prepare(self) -> None:
        db = Database(f"sqlite+aiosqlite:///{self.template}") if self.sqlite \
            else self.target.database()
        await upgrade_engine(db.engine)
        if self.sqlite:
            await self._populate(db)
            async with db.engine.connect() as conn:  # fold the WAL into the file we copy
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        await db.dispose()

    async def fresh_database(self) -> Database:
        if self.sqlite:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.example_file}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template, self.example_file)
            return Database(f"sqlite+aiosqlite:///{self.example_file}")
        db = self.target.database()
        async with db.session() as s:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await self._populate(db)
        return db

    @asynccontextmanager
    async def world(self):
        db = await self.fresh_database()
        emulator = Emulator(token=TOKEN, bot_username="trolycanbo_bot")
        errors: list[BaseException] = []
        app = await start_app(emulator, db, FrozenClock(NOW), errors)
        harness = BotHarness(emulator, app, db, errors)
        people = {role: harness.person(user_id, role.capitalize())
                  for role, (_code, user_id) in LINKED.items()}
        people["unlinked"] = harness.person(UNLINKED_ID, "Mới", phone=roster_phone(UNLINKED_CODE))
        people["stranger"] = harness.person(STRANGER_ID, "Lạ", phone="+84900000001")
        try:
            yield World(harness, people, self.names)
        finally:
            await app.shutdown()
            await db.dispose()


# ------------------------------------------------------------------ acting
def _file_message(person, kind: str, declared_size: int, content: bytes, **extra) -> None:
    emulator = person.harness.emulator
    file_id, unique = emulator.store_file(content, f"{kind}s")
    if kind == "photo":
        extra["photo"] = [{"file_id": file_id, "file_unique_id": unique, "width": 1280,
                           "height": 960, "file_size": declared_size}]
    else:
        extra["document"]["file_id"], extra["document"]["file_unique_id"] = file_id, unique
        extra["document"]["file_size"] = declared_size
    emulator.incoming_message(person.fake.user_json(), person.fake.chat_json(), **extra)


def _my_chat_member(person, chat: dict) -> None:
    bot = person.harness.emulator.bot_json()
    person.harness.emulator.push_update({"my_chat_member": {
        "chat": chat, "from": person.fake.user_json(), "date": int(time.time()),
        "old_chat_member": {"user": bot, "status": "left"},
        "new_chat_member": {"user": bot, "status": "member"}}})


def queue(person, step: tuple) -> str:
    """Put the person's action in the emulator's queue; returns what kind of update it is."""
    fake, kind = person.fake, step[0]
    if kind == "label":
        fake.text(step[1])
    elif kind == "command":
        fake.text(f"/{step[1]}{step[2]}")
    elif kind == "text":
        fake.text(step[1])
    elif kind in ("tap", "tap_old"):
        keyboards = [m for m in fake.messages if m.inline_buttons]
        if kind == "tap_old" and keyboards:
            message = keyboards[-1 - step[2] % len(keyboards)]
        else:
            message = keyboards[-1] if keyboards else None
        buttons = [b for row in message.inline_buttons for b in row if b.callback_data] \
            if message else []
        if buttons:
            fake.tap_data(buttons[step[1] % len(buttons)].callback_data, message.message_id)
            return "tap"
        labels = [b for row in person.harness.emulator.reply_keyboards.get(fake.user_id) or []
                  for b in row]
        if not labels:
            fake.text("/start")
            return "message"
        label = labels[step[1] % len(labels)]
        fake.contact() if label.request_contact else fake.text(label.text)
    elif kind == "forged_tap":
        fake.tap_data(step[1])
        return "tap"
    elif kind == "contact":
        owner = {"self": "self", "other": 424242, "none": None}[step[1]]
        fake.contact(phone=None if step[2] == "own" else step[2] or "0", user_id=owner)
    elif kind == "document":
        _file_message(person, "document", step[3], step[4], document={
            "file_name": step[1], "mime_type": step[2]} if step[2] else {"file_name": step[1]})
    elif kind == "photo":
        extra = {"caption": step[3]} if step[3] else {}
        _file_message(person, "photo", step[1], step[2], **extra)
    elif kind == "sticker":
        fake.sticker()
    elif kind == "location":
        fake.location(21.0285, 105.8542)
    elif kind == "edit":
        fake.edit_last_text(step[1])
        return "edit"
    elif kind == "group":
        fake.text_in_group(step[2], chat_id=-100777, chat_type=step[1])
        return "group"
    elif kind == "added_to_group":
        chat_type = step[1]
        _my_chat_member(person, {"id": -100888, "type": chat_type, "title": "Nhóm thử"})
        return "group"
    return "message"


def check_answer(world: World, person, kind: str, new_calls: list, step: tuple) -> None:
    """What the person (and any group) saw after one update."""
    where = f"{kind} {step!r:.200}"
    for call in new_calls:
        chat_id = chat_of(call)
        message = shown_text(call)
        if chat_id is not None and chat_id < 0:
            # outside private chats: at most one short notice, never anyone's data
            assert call.method in ("sendMessage", "leaveChat"), f"{where}: {call.method} in a group"
            if message:
                assert not any(name in message for name in world.names), f"{where}: {message}"
                assert looks_vietnamese(message), f"{where}: group notice {message!r}"
        elif message:
            assert looks_vietnamese(message), f"{where}: not Vietnamese: {message!r:.300}"
        if call.method == "answerCallbackQuery" and call.params.get("text"):
            assert looks_vietnamese(call.params["text"]), f"{where}: {call.params['text']!r}"
    if kind == "message":
        answers = [c for c in new_calls if c.method in ANSWER_METHODS
                   and chat_of(c) == person.id]
        assert answers, f"{where}: no answer to a private message"
    elif kind == "tap":
        answered = [c for c in new_calls if c.method == "answerCallbackQuery"]
        assert answered, f"{where}: the tap was never answered (the button keeps spinning)"


async def play(world: World, sequence: list) -> None:
    harness = world.harness
    for role, step in sequence:
        person = world.people[role]
        before = len(harness.emulator.calls)
        kind = queue(person, step)
        await harness.process()
        assert harness.errors == [], f"{role} {step!r:.200}: handlers raised {harness.errors!r}"
        check_answer(world, person, kind, harness.emulator.calls[before:], step)
    found = await problems(harness.db)
    assert not found, "inconsistent database:\n  " + "\n  ".join(found)


# ------------------------------------------------------------------ tests
def test_fuzz_vocabulary_covers_every_registered_handler(tmp_path):
    """A new command or button prefix must be added to the vocabulary above."""

    async def registered():
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/v.db")
        app = await start_app(Emulator(token=TOKEN), db, FrozenClock(NOW), [])
        handlers = [h for group in app.handlers.values() for h in group]
        await app.shutdown()
        await db.dispose()
        return handlers

    handlers = asyncio.run(registered())
    commands = {c for h in handlers if isinstance(h, CommandHandler) for c in h.commands}
    assert commands <= set(COMMANDS), f"add to COMMANDS: {commands - set(COMMANDS)}"
    prefixes = set()
    for h in handlers:
        if isinstance(h, CallbackQueryHandler) and h.pattern is not None:
            # "^kp:", "^(kp|kb):", "^rs:b$" -> kp, kb, rs
            prefixes.update(h.pattern.pattern.lstrip("^(").split(":")[0].rstrip(")").split("|"))
    assert prefixes <= set(CALLBACK_PREFIXES), f"add to CALLBACK_PREFIXES: {prefixes - set(CALLBACK_PREFIXES)}"


def test_random_updates_never_break_the_bot(db_target, tmp_path):
    province = Province(db_target, tmp_path)
    examples = EXAMPLES or (150 if province.sqlite else 40)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(province.prepare())

        @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                  print_blob=True, suppress_health_check=[HealthCheck.too_slow,
                                                          HealthCheck.data_too_large,
                                                          HealthCheck.large_base_example])
        @given(sequence=steps)
        def run(sequence):
            async def example():
                async with province.world() as world:
                    await play(world, sequence)

            loop.run_until_complete(example())

        run()
    finally:
        loop.close()


def test_unused_ids_are_refused_quietly(db_target, tmp_path):
    """Forged taps with ids of rows that do not exist or ids too big for the database."""
    province = Province(db_target, tmp_path)

    async def main():
        await province.prepare()
        async with province.world() as world:
            sequence = [("cadre", ("forged_tap", f"{prefix}:{action}:{number}"))
                        for prefix in ("kp", "rv", "nt", "tr", "rs")
                        for action in ("e", "o", "a", "v")
                        for number in (0, -1, 2**63, 10**30)]
            await play(world, sequence)

    asyncio.run(main())
