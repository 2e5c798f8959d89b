"""The sandbox's terminal chat.

- Every person of the demo province has a chat; `/as CODE` (or `/as 3`, `/as` for the list)
  switches who you are, and the messages they received meanwhile are shown then.
- The buttons of the latest screen and the menu are numbered `[#5]`: typing `#5` taps one.
  A bare number is always text (an answer to "how many?"), never a tap.
- After each line the terminal waits until the bot has finished handling it (`settle`),
  so an answer, a chart or a pop-up is shown under the line that caused it; Enter alone
  shows what arrived meanwhile.
- Photos and files the bot sends are saved under a folder (printed with each one);
  `/gui PATH [caption]` sends a photo or a document from disk.
"""

from __future__ import annotations

import asyncio
import html
import mimetypes
import re
import shlex
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.i18n import _, fmt_number, ngettext
from bot.sandbox.emulator import Button, Emulator, FakeUser, SentMessage

TAG = re.compile(r"<[^>]+>")
TAP = re.compile(r"^(?:#(\d+)|\[#(\d+)\])$")  # "#5" or "[#5]"; "5" is text
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
UNSAFE_NAME = re.compile(r"[^\w.\-]+")
MANY_NEWS = 3  # more people than this received something: one line says so

Write = Callable[[str], None]
Settle = Callable[[dict | None], Awaitable[None]]


def plain(text: str | None) -> str:
    return html.unescape(TAG.sub("", text or ""))


@dataclass
class Chat:
    """One person's chat with the bot, and how much of it the terminal has shown."""

    user: FakeUser
    name: str
    code: str | None = None
    title: str = ""
    seen: dict[int, int] = field(default_factory=dict)  # message id -> edits shown
    alerts_shown: int = 0
    announced: int = 0  # unread messages already announced while someone else was active

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.code else self.name

    def unread(self) -> list[SentMessage]:
        return [m for m in self.user.messages if self.seen.get(m.message_id) != m.edits]


@dataclass(frozen=True)
class Tap:
    """What typing `#n` does: an inline button of a message, or a menu (reply keyboard) key."""

    button: Button
    message_id: int | None = None


def render_message(msg: SentMessage, numbering_start: int, edited: bool = False,
                   numbered: bool = True, saved: Path | None = None
                   ) -> tuple[str, list[tuple[int, Button]]]:
    """Text of one bot message for the terminal, and the numbers given to its buttons."""
    lines = []
    marker = " " + _("(edited)") if edited else ""
    where = " → " + str(saved) if saved is not None else ""
    if msg.kind == "photo":
        lines.append("🤖 " + _("[Photo]") + where + marker)
    elif msg.kind == "document":
        lines.append("🤖 " + _("[File] {name}").format(name=msg.file_name or "") + where + marker)
    body = plain(msg.text)
    if body:
        prefix = "🤖 " if msg.kind == "text" else "   "
        body_lines = body.splitlines() or [""]
        lines.append(prefix + body_lines[0] + (marker if msg.kind == "text" else ""))
        lines += ["   " + line for line in body_lines[1:]]
    numbers: list[tuple[int, Button]] = []
    if numbered:
        number = numbering_start
        for row in msg.inline_buttons:
            cells = []
            for button in row:
                cells.append(f"[#{number}] {button.text}")
                numbers.append((number, button))
                number += 1
            lines.append("    " + "   ".join(cells))
    return "\n".join(lines), numbers


async def stdin_lines() -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        yield line.rstrip("\n")


def _file_name(msg: SentMessage) -> str:
    name = UNSAFE_NAME.sub("_", Path(msg.file_name or "").name).strip("._")
    content = msg.file_bytes or b""
    if msg.kind == "photo":
        suffix = ".png" if content.startswith(b"\x89PNG") else ".jpg"
        if not name or Path(name).suffix.lower() not in PHOTO_SUFFIXES:
            name = (name or "anh") + suffix
    return name or "tep"


class Terminal:
    """The people's chats, one of them active; reads lines, shows what the bot answered."""

    def __init__(self, emulator: Emulator, chats: list[Chat], current: Chat, write: Write,
                 settle: Settle, files_dir: Path | None = None,
                 aliases: dict[str, Chat] | None = None) -> None:
        self.emulator = emulator
        self.chats = chats
        self.current = current
        self.write = write
        self.settle = settle
        self.files_dir = files_dir
        self.aliases = {k.lower(): v for k, v in (aliases or {}).items()}
        self.taps: dict[int, Tap] = {}
        self._saved: dict[tuple[int, int], Path] = {}
        # (telegram user id, first name) -> the dashboard's local address with signed initData
        self.web_app_link: Callable[[int, str], str] | None = None

    # ------------------------------------------------------------------ the loop
    async def run(self, lines: AsyncIterator[str]) -> None:
        async for line in lines:
            line = line.strip()
            if line:
                await self.handle(line)
            else:  # Enter alone: show what arrived meanwhile (a reminder, a scheduled notice)
                self.show_new()
                self.announce_others()
        await self._after(None)  # what is still on its way (a broadcast) before quitting

    async def handle(self, line: str) -> None:
        self.write(_("You: {text}").format(text=line))
        command, _sep, rest = line.partition(" ")
        if command == "/as":
            await self.switch(rest.strip())
            return
        if command == "/gui":
            await self.send_file(rest.strip())
            return
        if command == "/web" and self.web_app_link is not None:
            user = self.current.user
            self.write("🖥 " + _("Open in a browser on this machine: {url}").format(
                url=self.web_app_link(user.user_id, user.first_name)))
            return
        tap = TAP.match(line)
        if tap is None:
            await self._after(self.current.user.text(line))
            return
        number = int(tap.group(1) or tap.group(2))
        chosen = self.taps.get(number)
        if chosen is None:
            self.write("⚠️ " + _("There is no button #{number} on this screen.").format(
                number=number))
            return
        await self._after(self._press(chosen))

    def _press(self, tap: Tap) -> dict | None:
        user, button = self.current.user, tap.button
        if tap.message_id is not None:
            if button.web_app and self.web_app_link is not None:  # the dashboard
                self.write("🖥 " + _("Open in a browser on this machine: {url}").format(
                    url=self.web_app_link(user.user_id, user.first_name)))
                return None
            if button.callback_data is None:  # a link button: nothing to send to the bot
                self.write("🔗 " + (button.url or ""))
                return None
            return user.tap_data(button.callback_data, tap.message_id)
        return user.contact() if button.request_contact else user.text(button.text)

    async def _after(self, update: dict | None) -> None:
        try:
            await self.settle(update)
        except TimeoutError:
            self.write("⚠️ " + _("The bot has not finished answering yet; showing what came."))
        self.show_new()
        self.announce_others()

    # ------------------------------------------------------------------ showing
    def _saved_path(self, chat: Chat, msg: SentMessage) -> Path | None:
        if self.files_dir is None or msg.kind not in ("photo", "document") \
                or msg.file_bytes is None:
            return None
        key = (msg.chat_id, msg.message_id)
        if key not in self._saved:
            folder = self.files_dir / (chat.code or str(chat.user.user_id))
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{msg.message_id:03d}-{_file_name(msg)}"
            copy = 1
            while path.exists() and path.read_bytes() != msg.file_bytes:  # an earlier run's
                copy += 1
                path = path.with_name(f"{msg.message_id:03d}-{copy}-{_file_name(msg)}")
            path.write_bytes(msg.file_bytes)
            self._saved[key] = path
        return self._saved[key]

    def show_new(self) -> None:
        """What the active person has not seen yet: pop-ups, new and edited messages, the
        numbered buttons of the latest screen, the menu."""
        chat = self.current
        alerts = chat.user.alerts[chat.alerts_shown:]
        for alert in alerts:  # the pop-up a tap answered with
            self.write("💬 " + alert)
        chat.alerts_shown = len(chat.user.alerts)
        messages = chat.user.messages
        fresh = chat.unread()
        latest_inline = next((m for m in reversed(messages) if m.inline_buttons), None)
        self.taps = {}
        number = 1
        for message in fresh:
            edited = message.message_id in chat.seen
            chat.seen[message.message_id] = message.edits
            text, numbers = render_message(message, number, edited,
                                           numbered=message is latest_inline,
                                           saved=self._saved_path(chat, message))
            for n, button in numbers:
                self.taps[n] = Tap(button, message.message_id)
            number += len(numbers)
            self.write(text)
        if latest_inline is not None and all(m is not latest_inline for m in fresh):
            _text, numbers = render_message(latest_inline, number)
            for n, button in numbers:
                self.taps[n] = Tap(button, latest_inline.message_id)
            number += len(numbers)
        chat.announced = 0
        keyboard = self.emulator.reply_keyboards.get(chat.user.user_id)
        if keyboard:
            cells = []
            for row in keyboard:
                for button in row:
                    cells.append(f"[#{number}] {button.text}")
                    self.taps[number] = Tap(button)
                    number += 1
            if fresh or alerts:  # nothing new: the menu shown last is still right
                self.write("   " + _("Menu:") + " " + "   ".join(cells))

    def announce_others(self) -> None:
        """Who else received something since it was last said: a line each, or one line for
        many (a broadcast)."""
        news = []
        for chat in self.chats:
            if chat is self.current:
                continue
            unread = len(chat.unread())
            if unread > chat.announced:
                news.append((chat, unread))
            chat.announced = unread
        if len(news) > MANY_NEWS:
            self.write("📬 " + ngettext(
                "{n} person received messages ({names}, …) — type /as to see who",
                "{n} people received messages ({names}, …) — type /as to see who",
                len(news)).format(n=fmt_number(len(news)),
                                  names=", ".join(chat.label for chat, _n in news[:2])))
            return
        for chat, unread in news:
            self.write("📬 " + ngettext(
                "{who}: {n} unread message — type /as {code} to read it",
                "{who}: {n} unread messages — type /as {code} to read them", unread).format(
                who=chat.label, n=fmt_number(unread), code=chat.code or ""))

    # ------------------------------------------------------------------ /as
    def _find(self, wanted: str) -> Chat | None:
        if wanted.isdigit() and 1 <= int(wanted) <= len(self.chats):
            return self.chats[int(wanted) - 1]
        key = wanted.lower()
        for chat in self.chats:
            if chat.code and chat.code.lower() == key:
                return chat
        return self.aliases.get(key)

    def list_people(self) -> None:
        self.write("👥 " + _("The people of the demo province (type /as NUMBER or /as CODE):"))
        width = len(str(len(self.chats)))
        for index, chat in enumerate(self.chats, 1):
            notes = [chat.title] if chat.title else []
            unread = len(chat.unread())
            if chat is self.current:
                notes.append(_("you"))
            elif unread:
                notes.append(ngettext("{n} unread", "{n} unread", unread).format(
                    n=fmt_number(unread)))
            code = f"{chat.code} " if chat.code else ""
            self.write(f"  {index:>{width}}. {code}{chat.name}"
                       + (" — " + " · ".join(notes) if notes else ""))

    async def switch(self, wanted: str) -> None:
        if not wanted:
            self.list_people()
            return
        chat = self._find(wanted)
        if chat is None:
            self.write("⚠️ " + _("Nobody with the code or number {wanted}: type /as for the "
                                 "list.").format(wanted=wanted))
            return
        self.current = chat
        unread = len(chat.unread())
        line = _("You are now {who}.").format(who=chat.label + (", " + chat.title
                                                                  if chat.title else ""))
        if unread:
            line += " " + ngettext("{n} unread message:", "{n} unread messages:",
                                   unread).format(n=fmt_number(unread))
        self.write("👤 " + line)
        self.show_new()
        if not self.emulator.reply_keyboards.get(chat.user.user_id):
            # a chat never opened in this run: open it, like tapping "Start" in Telegram
            self.write(_("You: {text}").format(text="/start"))
            await self._after(chat.user.text("/start"))

    # ------------------------------------------------------------------ /gui
    async def send_file(self, argument: str) -> None:
        try:
            words = shlex.split(argument)
        except ValueError:
            words = argument.split()
        if not words:
            self.write("⚠️ " + _("Type /gui PATH (and a caption if you like), e.g. /gui "
                                 "~/giay_chung_nhan.jpg"))
            return
        path = Path(words[0]).expanduser()
        caption = " ".join(words[1:]) or None
        if not path.is_file():
            self.write("⚠️ " + _("No file at {path}.").format(path=path))
            return
        content = path.read_bytes()
        user = self.current.user
        if path.suffix.lower() in PHOTO_SUFFIXES:
            update = user.photo(content, caption=caption)
            kind = _("photo")
        else:
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            update = user.document(file_name=path.name, content=content, mime_type=mime,
                                   caption=caption)
            kind = _("file")
        self.write("📎 " + _("Sent the {kind} {name} ({size} bytes).").format(
            kind=kind, name=path.name, size=fmt_number(len(content))))
        await self._after(update)
