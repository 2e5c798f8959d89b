"""The sandbox's terminal chat: bot messages with numbered buttons; type a number to tap."""

from __future__ import annotations

import asyncio
import html
import re
import sys
from collections.abc import AsyncIterator, Callable

from bot.i18n import _
from bot.sandbox.emulator import Emulator, FakeUser, SentMessage

TAG = re.compile(r"<[^>]+>")


def plain(text: str | None) -> str:
    return html.unescape(TAG.sub("", text or ""))


def render_message(msg: SentMessage, numbering_start: int, edited: bool = False,
                   numbered: bool = True) -> tuple[str, list[tuple[int, str]]]:
    """Text of one bot message for the terminal, and the numbers given to its buttons."""
    lines = []
    marker = " " + _("(edited)") if edited else ""
    if msg.kind == "photo":
        lines.append("🤖 " + _("[Photo]") + marker)
    elif msg.kind == "document":
        lines.append("🤖 " + _("[File] {name}").format(name=msg.file_name or "") + marker)
    body = plain(msg.text)
    if body:
        prefix = "🤖 " if msg.kind == "text" else "   "
        body_lines = body.splitlines() or [""]
        lines.append(prefix + body_lines[0] + (marker if msg.kind == "text" else ""))
        lines += ["   " + line for line in body_lines[1:]]
    numbers: list[tuple[int, str]] = []
    if numbered:
        number = numbering_start
        for row in msg.inline_buttons:
            cells = []
            for button in row:
                cells.append(f"[{number}] {button.text}")
                numbers.append((number, button.text))
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


def _answers(user: FakeUser) -> tuple[int, int, int]:
    return len(user.messages), sum(m.edits for m in user.messages), len(user.alerts)


async def _first_answer(user: FakeUser, before: tuple[int, int, int],
                        timeout: float = 10.0) -> None:
    """Wait until the bot has answered something (a message, an edit or a pop-up): a busy
    machine may take longer than the quiet spell `wait_idle` allows before the first one."""
    deadline = asyncio.get_running_loop().time() + timeout
    while _answers(user) == before and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.02)


async def chat_loop(emulator: Emulator, user: FakeUser, lines: AsyncIterator[str],
                    write: Callable[[str], None], wait=None) -> None:
    wait = wait or (lambda: emulator.wait_idle(quiet=0.3, timeout=30.0))
    seen: dict[int, int] = {}  # message id -> edits already shown
    tappable: dict[int, str] = {}
    alerts_shown = len(user.alerts)

    def show_new() -> None:
        nonlocal tappable, alerts_shown
        for alert in user.alerts[alerts_shown:]:  # the pop-up a tap answered with
            write("💬 " + alert)
        alerts_shown = len(user.alerts)
        messages = user.messages
        fresh = [m for m in messages if m.message_id not in seen
                 or seen[m.message_id] != m.edits]
        latest_inline = next((m for m in reversed(messages) if m.inline_buttons), None)
        tappable = {}
        number = 1
        for message in fresh:
            edited = message.message_id in seen
            seen[message.message_id] = message.edits
            text, numbers = render_message(message, number, edited,
                                           numbered=message is latest_inline)
            for n, label in numbers:
                tappable[n] = label
            number += len(numbers)
            write(text)
        if latest_inline is not None and latest_inline not in fresh:
            _text, numbers = render_message(latest_inline, number)
            for n, label in numbers:
                tappable[n] = label
            number += len(numbers)
        keyboard = emulator.reply_keyboards.get(user.user_id)
        if keyboard:
            cells = []
            for row in keyboard:
                for button in row:
                    cells.append(f"[{number}] {button.text}")
                    tappable[number] = button.text
                    number += 1
            write("   " + _("Menu:") + " " + "   ".join(cells))

    async for line in lines:
        line = line.strip()
        if not line:
            continue
        write(_("You: {text}").format(text=line))
        try:
            before = _answers(user)
            if line.isdigit() and int(line) in tappable:
                user.tap(tappable[int(line)])
            else:
                user.text(line)
            await _first_answer(user, before)
            await wait()
        except (LookupError, TimeoutError) as exc:
            write("⚠️ " + str(exc))
        show_new()
