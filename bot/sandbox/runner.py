"""`cadrebot sandbox`: the real bot, over HTTP, against the local Bot API emulator,
with a demo province and a terminal chat. No token, no network."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select, update

from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.demo import DEMO_IDENTITIES, load_demo_province, roster_phone
from bot.i18n import _
from bot.migrate import upgrade_engine
from bot.sandbox.emulator import Emulator
from bot.sandbox.server import EmulatorServer
from bot.sandbox.terminal import chat_loop, stdin_lines
from models import Cadre

SANDBOX_TOKEN = "123456789:SANDBOX-local-emulator-token"
SANDBOX_BOT = "trolycanbo_bot"
# `--as new`: someone in the roster whose Telegram is not linked yet (tries onboarding).
NEW_USER_CODE = "XTH003"
NEW_USER_TELEGRAM_ID = 700_000_099


async def run_sandbox(
    settings: Settings,
    *,
    as_role: str = "cadre",
    database: Path = Path("data/sandbox.db"),
    reset: bool = False,
    lines: AsyncIterator[str] | None = None,
    write: Callable[[str], None] | None = None,
) -> None:
    write = write or (lambda text: print(text, flush=True))
    # The terminal is the chat: only warnings and errors of the bot interleave with it.
    if logging.getLogger().level < logging.WARNING:
        logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{database}"
    db = Database(url)
    clock = Clock()
    await upgrade_engine(db.engine)
    async with db.session() as session:
        await load_demo_province(session, clock.now())

    emulator = Emulator(token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT)
    async with EmulatorServer(emulator) as server:
        bot_settings = settings.model_copy(
            update={
                "telegram_bot_token": SecretStr(SANDBOX_TOKEN),
                "telegram_api_base_url": server.base_url,
                "telegram_api_file_url": server.base_file_url,
                "database_url": url,
                "webhook_url": None,
            }
        )
        app = build_application(bot_settings, db, clock)
        await app.initialize()
        try:
            await app.post_init(app)
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            await app.start()
            user = await _sandbox_user(db, emulator, as_role)
            write(
                _("Sandbox: you are {name} ({role}). Type a message, or a number to tap that "
                  "button. /huy cancels; Ctrl+D quits.").format(name=user.first_name, role=as_role)
            )
            await chat_loop(emulator, user, _with_start(lines or stdin_lines()), write)
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.post_shutdown(app)  # stops the outbox worker, closes the database
            await app.shutdown()


async def _with_start(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """Open the chat with /start, like a person tapping "Start" in Telegram."""
    yield "/start"
    async for line in lines:
        yield line


async def _sandbox_user(db: Database, emulator: Emulator, as_role: str):
    if as_role == "new":
        return emulator.user(
            user_id=NEW_USER_TELEGRAM_ID, first_name="Người dùng mới",
            phone=roster_phone(NEW_USER_CODE),
        )
    identity = DEMO_IDENTITIES[as_role]
    async with db.session() as session:
        # The demo account may have been moved by an invite in an earlier sandbox run.
        await session.execute(
            update(Cadre)
            .where(Cadre.telegram_user_id == identity.telegram_user_id)
            .values(telegram_user_id=None, telegram_chat_id=None)
        )
        await session.flush()
        cadre = await session.scalar(select(Cadre).where(Cadre.code == identity.cadre_code))
        cadre.telegram_user_id = identity.telegram_user_id
        cadre.telegram_chat_id = identity.telegram_user_id
    *_rest, last = cadre.full_name.split()
    return emulator.user(
        user_id=identity.telegram_user_id, first_name=last, last_name=" ".join(_rest),
        phone=cadre.phone,
    )

