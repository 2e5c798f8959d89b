"""Drive the real Application in-process through the Bot API emulator, as people would."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.context import transaction_open
from bot.db import Database
from bot.inbound import chat_of
from bot.sandbox.emulator import Emulator
from bot.sandbox.request import EmulatorRequest

TOKEN = "123456:TEST-TOKEN-for-flow-tests"
# the transactions begun by the update being processed (a test's concurrent task is not it)
_COUNTING: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("counting",
                                                                           default=None)


def make_settings(**overrides) -> Settings:
    # Tests act much faster than people: flood control is tested on its own.
    values = {"TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": "sqlite+aiosqlite:///unused.db",
              "CADREBOT_FLOOD_MAX_UPDATES": 100_000, "CADREBOT_BROADCAST_RATE": 1000}
    values.update(overrides)
    return Settings(_env_file=None, **values)


class CheckedRequest(EmulatorRequest):
    """The emulator, refusing a Bot API call made while the update's transaction is open:
    sending happens after the commit (ENGINEERING.md), so no connection waits on Telegram."""

    def __init__(self, emulator: Emulator, errors: list[BaseException]) -> None:
        super().__init__(emulator)
        self.errors = errors

    async def do_request(self, url: str, method: str, request_data=None, *args, **kwargs):
        if transaction_open():
            self.errors.append(AssertionError(
                f"{url.rsplit('/', 1)[-1]} called while the update's transaction is open"))
        return await super().do_request(url, method, request_data, *args, **kwargs)


class Person:
    """One Telegram user talking to the bot; every action is processed before returning."""

    def __init__(self, harness: BotHarness, fake) -> None:
        self.harness = harness
        self.fake = fake

    @property
    def id(self) -> int:
        return self.fake.user_id

    async def send(self, text: str) -> None:
        self.fake.text(text)
        await self.harness.process()

    async def share_contact(self, **kwargs) -> None:
        self.fake.contact(**kwargs)
        await self.harness.process()

    async def tap(self, label: str) -> None:
        self.fake.tap(label)
        await self.harness.process()

    async def tap_starting(self, prefix: str) -> None:
        """Tap the inline button of the latest keyboard whose label starts with `prefix`."""
        for message in reversed(self.fake.messages):
            labels = [b for b in message.buttons if b.startswith(prefix)]
            if message.buttons:
                assert labels, f"no button starting with {prefix!r} in {message.buttons}"
                await self.tap(labels[0])
                return
        raise AssertionError("no inline keyboard shown")

    def buttons(self) -> list[str]:
        """Labels of the latest inline keyboard."""
        for message in reversed(self.fake.messages):
            if message.buttons:
                return list(message.buttons)
        return []

    async def tap_data(self, data: str, message_id: int | None = None) -> None:
        self.fake.tap_data(data, message_id=message_id)
        await self.harness.process()

    async def send_document(self, **kwargs) -> None:
        self.fake.document(**kwargs)
        await self.harness.process()

    async def send_photo(self, **kwargs) -> None:
        self.fake.photo(**kwargs)
        await self.harness.process()

    async def send_sticker(self) -> None:
        self.fake.sticker()
        await self.harness.process()

    @property
    def last(self):
        return self.fake.last

    @property
    def texts(self) -> list[str]:
        return self.fake.texts

    @property
    def alerts(self) -> list[str]:
        return self.fake.alerts

    def keyboard_labels(self) -> list[str]:
        """The reply keyboard currently shown to this person (flattened)."""
        for message in reversed(self.fake.messages):
            if message.reply_keyboard is not None:
                return [label for row in message.reply_keyboard for label in row]
        return []


@dataclass
class BotHarness:
    emulator: Emulator
    app: Application
    db: Database
    errors: list[BaseException] = field(default_factory=list)

    # (what the update was, how many transactions its handling began), for every update
    transactions: list[tuple[dict, int]] = field(default_factory=list)
    # for the same updates: whether someone other than the sender got a message from it,
    # and whether its handling failed (the error handler then works in a transaction of its own)
    notified_others: list[bool] = field(default_factory=list)
    failed: list[bool] = field(default_factory=list)
    # and whether it downloaded a file (getFile): the gate's read is committed before that
    downloaded: list[bool] = field(default_factory=list)

    async def process(self) -> None:
        from sqlalchemy import event

        def count(_connection) -> None:
            begun = _COUNTING.get()
            if begun is not None:  # only the update's own work, not a concurrent task's
                begun[0] += 1

        event.listen(self.db.engine.sync_engine, "begin", count)
        try:
            for data in self.emulator.pop_updates():
                begun = [0]
                token = _COUNTING.set(begun)
                before = {chat: len(sent) for chat, sent in self.emulator.sent.items()}
                errors = len(self.errors)
                calls = len(self.emulator.calls)
                try:
                    await self.app.process_update(Update.de_json(data, self.app.bot))
                finally:
                    _COUNTING.reset(token)
                self.transactions.append((data, begun[0]))
                self.failed.append(len(self.errors) > errors)
                self.downloaded.append(any(call.method == "getFile"
                                           for call in self.emulator.calls[calls:]))
                sender = chat_of(data)
                self.notified_others.append(any(
                    len(sent) > before.get(chat, 0) for chat, sent in self.emulator.sent.items()
                    if chat != sender))
        finally:
            event.remove(self.db.engine.sync_engine, "begin", count)

    def person(self, user_id: int, first_name: str = "Người dùng", phone: str | None = None,
               **kwargs) -> Person:
        return Person(self, self.emulator.user(user_id=user_id, first_name=first_name,
                                               phone=phone, **kwargs))

    async def restart(self, clock: Clock) -> None:
        """A new Application on the same database: what survives a bot restart."""
        await self.app.shutdown()
        self.app = await start_app(self.emulator, self.db, clock, self.errors)


async def start_app(emulator: Emulator, db: Database, clock: Clock,
                    errors: list[BaseException]) -> Application:
    app = build_application(
        make_settings(), db, clock,
        request=CheckedRequest(emulator, errors), get_updates_request=EmulatorRequest(emulator),
    )

    async def record_error(update, context) -> None:
        errors.append(context.error)

    app.add_error_handler(record_error)
    await app.initialize()
    return app
