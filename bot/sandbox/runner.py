"""`cadrebot sandbox`: the real bot, over HTTP, against the local Bot API emulator, with a
demo province that has a year behind it and a terminal chat for each of its people. No
token, no network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select
from telegram.ext import Application

from bot.app import build_application
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.demo import DEMO_IDENTITIES, NEW_USER_CODE, DemoPerson, link_everyone, load_demo_province
from bot.i18n import _
from bot.logging_setup import chat_logging
from bot.migrate import upgrade_engine
from bot.policy import load_policy
from bot.sandbox.emulator import Emulator
from bot.sandbox.server import EmulatorServer
from bot.sandbox.terminal import Chat, Terminal, stdin_lines
from bot.services import demo_data
from bot.services.calendar import WorkCalendar
from models import Entry, Notice
from models.enums import NoticeStatus

SANDBOX_TOKEN = "123456789:SANDBOX-local-emulator-token"
SANDBOX_BOT = "trolycanbo_bot"
SETTLE_SECONDS = 60.0  # the longest the terminal waits for the bot to finish one line


async def run_sandbox(
    settings: Settings,
    *,
    as_role: str = "cadre",
    database: Path = Path("data/sandbox.db"),
    reset: bool = False,
    lines: AsyncIterator[str] | None = None,
    write: Callable[[str], None] | None = None,
    clock: Clock | None = None,
    emulator: Emulator | None = None,
) -> None:
    """`lines`: what the person types (stdin by default); `write`: where the chat goes
    (stdout); `emulator`: one prepared by a test (slow answers, faults)."""
    write = write or (lambda text: print(text, flush=True))
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    folder = database.expanduser().resolve().parent
    # The terminal is the chat: only the bot's warnings and errors interleave with it.
    with chat_logging(write, folder / "sandbox.log"):
        await _run(settings, as_role, database, lines or stdin_lines(), write, clock or Clock(),
                   folder / "sandbox-files", folder / "sandbox.log", emulator)


async def prepare(db: Database, settings: Settings, clock: Clock) -> list[DemoPerson]:
    """The demo province, its year of history on first use, everyone linked to a chat."""
    await upgrade_engine(db.engine)
    policy = load_policy(settings.policy_file)
    async with db.session() as session:
        fresh = await load_demo_province(session, clock.now())
        people = await link_everyone(session, clock.now())
        # a sandbox database from before the demo had a past gets one, unless used already
        if fresh or await session.scalar(select(Entry.id).limit(1)) is None:
            # the demo accounts' own reports of the month just ended are left to try
            spare = frozenset({DEMO_IDENTITIES["cadre"].cadre_code,
                               DEMO_IDENTITIES["supervisor"].cadre_code, NEW_USER_CODE})
            await demo_data.history(session, now=clock.now(), policy=policy,
                                    calendar=WorkCalendar(policy.calendar), tz=settings.tz,
                                    spare=spare)
    return people


async def _run(settings: Settings, as_role: str, database: Path, lines: AsyncIterator[str],
               write: Callable[[str], None], clock: Clock, files_dir: Path,
               log_file: Path, emulator: Emulator | None) -> None:
    url = f"sqlite+aiosqlite:///{database}"
    db = Database(url)
    people = await prepare(db, settings, clock)
    if emulator is None:
        emulator = Emulator(token=SANDBOX_TOKEN, bot_username=SANDBOX_BOT,
                            file_store=files_dir / ".telegram")
    emulator.token = SANDBOX_TOKEN
    async with EmulatorServer(emulator) as server:
        dashboard_port = _free_port()
        bot_settings = settings.model_copy(
            update={
                "telegram_bot_token": SecretStr(SANDBOX_TOKEN),
                "telegram_api_base_url": server.base_url,
                "telegram_api_file_url": server.base_file_url,
                "database_url": url,
                "webhook_url": None,
                # the dashboard, served on this machine only (bot.app starts its server)
                "webapp_url": f"http://127.0.0.1:{dashboard_port}/app/",
                "listen": f"127.0.0.1:{dashboard_port}",
            }
        )
        app = build_application(bot_settings, db, clock)
        await app.initialize()
        try:
            await app.post_init(app)
            settle = Settle(app, emulator, db)
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            await app.start()
            chats, aliases = _chats(emulator, people)
            current = aliases[as_role]
            write(_("Sandbox: you are {who}. Type as in Telegram; #5 taps the button [#5] (a "
                    "bare number is always text). /as CODE: become someone else (/as: the "
                    "list); /gui PATH: send a photo or a file; /huy cancels; Ctrl+D quits."
                    ).format(who=current.label + (", " + current.title if current.title
                                                  else "")))
            write(_("Files the bot sends are saved in {folder}; the bot's log is {log}.").format(
                folder=files_dir, log=log_file))
            terminal = Terminal(emulator, chats, current, write, settle, files_dir, aliases)
            terminal.web_app_link = lambda user_id, name: dashboard_link(
                bot_settings.webapp_url, user_id, name, clock)
            write(_("🖥 Your dashboard, to open in a browser on this machine: {url} (/web: the "
                    "address for whoever you are then)").format(url=terminal.web_app_link(
                        current.user.user_id, current.user.first_name)))
            await terminal.run(_with_start(lines))
        finally:
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            await app.post_shutdown(app)  # stops the outbox worker, closes the database
            await app.shutdown()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def dashboard_link(webapp_url: str, user_id: int, first_name: str, clock: Clock) -> str:
    """The dashboard's local address with initData signed for this person, in the URL
    fragment exactly as Telegram passes it to a Mini App."""
    from urllib.parse import quote

    from bot.services.webapp_auth import sign

    init_data = sign({"id": user_id, "first_name": first_name}, SANDBOX_TOKEN,
                     int(clock.now().timestamp()))
    return f"{webapp_url}#tgWebAppData={quote(init_data)}&tgWebAppVersion=7.10"


def _chats(emulator: Emulator, people: list[DemoPerson]) -> tuple[list[Chat], dict[str, Chat]]:
    """A chat for each person; `--as` names (cadre, supervisor, board, new) point at theirs."""
    role_words = {"board": _("Organization Board"), "supervisor": _("evaluator")}
    chats, by_code = [], {}
    for person in people:
        *rest, last = person.full_name.split()
        user = emulator.user(user_id=person.telegram_user_id, first_name=last,
                             last_name=" ".join(rest) or None, phone=person.phone)
        notes = [person.title] if person.title else []
        notes += [role_words[role] for role in person.roles]
        if not person.linked:
            notes.append(_("Telegram not linked yet"))
        chat = Chat(user, person.full_name, person.code, " · ".join(notes))
        chats.append(chat)
        by_code[person.code] = chat
    aliases = {role: by_code[identity.cadre_code] for role, identity in DEMO_IDENTITIES.items()}
    aliases["new"] = by_code[NEW_USER_CODE]
    return chats, aliases


async def _with_start(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """Open the chat with /start, like a person tapping "Start" in Telegram."""
    yield "/start"
    async for line in lines:
        yield line


class Settle:
    """Waits until the bot has finished with what a line caused — not for a quiet spell:

    - the update: the emulator says when the bot has received it (its next getUpdates asks
      for a later offset, which PTB does only after queueing it), then the application's
      update queue is joined (an update counts as done when its handling has ended, charts
      and notifications to others included);
    - a broadcast it started: the outbox worker sends in the background, so while a notice
      is being sent the terminal waits for a pass of the worker that found nothing left.
    """

    def __init__(self, app: Application, emulator: Emulator, db: Database,
                 timeout: float = SETTLE_SECONDS) -> None:
        self.app = app
        self.emulator = emulator
        self.db = db
        self.timeout = timeout
        self._ticks = 0  # outbox passes started
        self._idle_from = 0  # the latest pass that found nothing to send
        self._idle = asyncio.Event()
        worker = app.bot_data.get("outbox")
        if worker is not None:
            tick = worker.tick

            async def watched_tick() -> int:
                self._ticks += 1
                number = self._ticks
                sent = await tick()
                if not sent:
                    self._idle_from = max(self._idle_from, number)
                    self._idle.set()
                return sent

            worker.tick = watched_tick

    async def __call__(self, update: dict | None) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        if update is not None:
            await self.emulator.wait_received(update["update_id"], self.timeout)
            await asyncio.wait_for(self.app.update_queue.join(), deadline - loop.time())
        if not await self._broadcasting():
            return
        started = self._ticks
        while self._idle_from <= started:
            self._idle.clear()
            if self._idle_from > started:
                break
            await asyncio.wait_for(self._idle.wait(), max(deadline - loop.time(), 0.01))

    async def _broadcasting(self) -> bool:
        async with self.db.session() as session:
            return bool(await session.scalar(select(func.count()).select_from(Notice).where(
                Notice.status == NoticeStatus.SENDING.value)))
