"""An in-memory Telegram Bot API: what the bot sent, people acting on it, injected faults.

No I/O here: `request.py` routes a PTB bot to it in-process, `server.py` over HTTP.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BOT_ID = 5_000_000_001
SAFE_FILE_ID = re.compile(r"^[\w-]{1,200}$")


@dataclass
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None
    request_contact: bool = False
    web_app: str | None = None  # a Mini App's address (the dashboard's button)


@dataclass
class SentMessage:
    """A message the bot sent to a chat, with later edits applied in place."""

    message_id: int
    chat_id: int
    text: str | None
    parse_mode: str | None = None
    inline_buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    kind: str = "text"  # text | photo | document
    file_bytes: bytes | None = None
    file_name: str | None = None
    file_id: str | None = None
    edits: int = 0
    deleted: bool = False
    date: int = 0

    @property
    def buttons(self) -> list[str]:
        return [b.text for row in self.inline_buttons for b in row]


@dataclass
class Call:
    method: str
    params: dict
    at: float


@dataclass
class Fault:
    method: str | None
    status: int
    retry_after: int | None
    times: int
    chat_id: int | None
    description: str | None


class ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict:
        body: dict[str, Any] = {"ok": False, "error_code": self.status,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


SEND_METHODS = {"sendMessage", "sendPhoto", "sendDocument", "sendChatAction", "sendMediaGroup",
                "editMessageText", "editMessageReplyMarkup", "editMessageCaption",
                "copyMessage", "forwardMessage"}


class FakeUser:
    """A person in a private chat with the bot. Actions enqueue updates."""

    def __init__(self, emulator: Emulator, user_id: int, first_name: str,
                 last_name: str | None, phone: str | None, username: str | None) -> None:
        self.emulator = emulator
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.phone = phone
        self.username = username
        self.alerts: list[str] = []

    # ---- what the person sees
    @property
    def messages(self) -> list[SentMessage]:
        return [m for m in self.emulator.chat_messages(self.user_id) if not m.deleted]

    @property
    def last(self) -> SentMessage:
        messages = self.messages
        if not messages:
            raise LookupError("the bot has sent nothing to this user")
        return messages[-1]

    @property
    def texts(self) -> list[str]:
        return [m.text or "" for m in self.messages]

    def user_json(self) -> dict:
        data: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name,
                                "language_code": "vi"}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def chat_json(self) -> dict:
        data: dict[str, Any] = {"id": self.user_id, "type": "private",
                                "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        return data

    # ---- actions
    def _message(self, **content) -> dict:
        return self.emulator.incoming_message(self.user_json(), self.chat_json(), **content)

    def text(self, text: str) -> dict:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command)}]
        return self._message(**content)

    def contact(self, phone: str | None = None, user_id: int | None | str = "self",
                first_name: str | None = None) -> dict:
        contact: dict[str, Any] = {"phone_number": (phone or self.phone or "").lstrip("+"),
                                   "first_name": first_name or self.first_name}
        owner = self.user_id if user_id == "self" else user_id
        if owner is not None:
            contact["user_id"] = owner
        return self._message(contact=contact)

    def tap(self, label: str) -> dict:
        for message in reversed(self.messages):
            if message.inline_buttons:
                for button in (b for row in message.inline_buttons for b in row):
                    if button.text == label and button.callback_data is not None:
                        return self.tap_data(button.callback_data, message.message_id)
                break
        keyboard = self.emulator.reply_keyboards.get(self.user_id)
        if keyboard:
            for button in (b for row in keyboard for b in row):
                if button.text == label:
                    return self.contact() if button.request_contact else self.text(label)
        available = []
        for message in reversed(self.messages):
            if message.inline_buttons:
                available = message.buttons
                break
        if keyboard:
            available = available + [b.text for row in keyboard for b in row]
        raise LookupError(f"no button {label!r}; available: {available}")

    def tap_data(self, data: str, message_id: int | None = None) -> dict:
        if message_id is None:
            message_id = self.messages[-1].message_id if self.messages else 1
        message = self.emulator.find_message(self.user_id, message_id)
        query_id = str(next(self.emulator.ids))
        self.emulator._query_users[query_id] = self
        query: dict[str, Any] = {
            "id": query_id, "from": self.user_json(),
            "chat_instance": str(self.user_id), "data": data,
        }
        if message is not None:
            query["message"] = self.emulator.message_json(message)
        else:
            query["message"] = {"message_id": message_id, "date": int(time.time()),
                                "chat": self.chat_json(), "from": self.emulator.bot_json(),
                                "text": "…"}
        return self.emulator.push_update({"callback_query": query})

    def document(self, file_name: str = "file.pdf", content: bytes = b"%PDF-1.4",
                 mime_type: str = "application/pdf", caption: str | None = None) -> dict:
        file_id, unique = self.emulator.store_file(content, "documents")
        doc = {"file_id": file_id, "file_unique_id": unique, "file_name": file_name,
               "mime_type": mime_type, "file_size": len(content)}
        extra = {"caption": caption} if caption else {}
        return self._message(document=doc, **extra)

    def photo(self, content: bytes = b"\x89PNG\r\n", caption: str | None = None) -> dict:
        file_id, unique = self.emulator.store_file(content, "photos")
        sizes = [{"file_id": file_id + "-s", "file_unique_id": unique + "s", "width": 90,
                  "height": 90, "file_size": max(len(content) // 4, 1)},
                 {"file_id": file_id, "file_unique_id": unique, "width": 1280, "height": 960,
                  "file_size": len(content)}]
        self.emulator.keep_file(file_id + "-s", content)
        extra = {"caption": caption} if caption else {}
        return self._message(photo=sizes, **extra)

    def sticker(self) -> dict:
        return self._message(sticker={"file_id": "sticker-1", "file_unique_id": "st1",
                                      "type": "regular", "width": 512, "height": 512,
                                      "is_animated": False, "is_video": False, "emoji": "👍"})

    def location(self, latitude: float, longitude: float) -> dict:
        return self._message(location={"latitude": latitude, "longitude": longitude})

    def edit_last_text(self, text: str) -> dict:
        message = {"message_id": self.emulator.last_user_message.get(self.user_id, 1),
                   "date": int(time.time()), "edit_date": int(time.time()),
                   "chat": self.chat_json(), "from": self.user_json(), "text": text}
        return self.emulator.push_update({"edited_message": message})

    def text_in_group(self, text: str, chat_id: int = -100123, chat_type: str = "group") -> dict:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type, "title": "Nhóm thử"}
        if chat_type == "channel":
            message = {"message_id": next(self.emulator.ids), "date": int(time.time()),
                       "chat": chat, "text": text}
            return self.emulator.push_update({"channel_post": message})
        return self.emulator.incoming_message(self.user_json(), chat, text=text)


class Emulator:
    def __init__(self, token: str = "123456:TEST-TOKEN", bot_username: str = "trolycanbo_bot",
                 bot_name: str = "Trợ lý Cán bộ", file_store: Path | None = None) -> None:
        """`file_store`: a folder keeping the files people and the bot sent, so a file_id
        stored in the database (evidence, a notice's attachment) still opens in a later run."""
        self.token = token
        self.file_store = file_store
        # file ids of one run never collide with those of an earlier run in the same store
        self._file_prefix = f"{secrets.token_hex(3)}-" if file_store is not None else ""
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self.users: dict[int, FakeUser] = {}
        self.sent: dict[int, list[SentMessage]] = {}
        self.sent_total = 0  # messages accepted, all chats: cheap to poll in benchmarks
        self.reply_keyboards: dict[int, list[list[Button]] | None] = {}
        self.last_user_message: dict[int, int] = {}
        self.calls: list[Call] = []
        self.commands: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.file_paths: dict[str, str] = {}
        self.delay = 0.0
        self.delay_for: dict[str, float] = {}
        self.rate_limit: int | None = None
        self._send_times: deque[float] = deque()
        self._faults: list[Fault] = []
        self._query_users: dict[str, FakeUser] = {}
        self._answered: set[str] = set()
        self._blocked: set[int] = set()
        self._pending: list[dict] = []  # not yet confirmed by the bot (getUpdates offset)
        self._new_update = asyncio.Event()
        self.closing = False  # set by close(): long polls return at once
        # The highest update_id the bot has confirmed having received (getUpdates offset - 1),
        # and the drivers waiting for an update to be received.
        self.received_update_id = 0
        self._receipt_waiters: list[tuple[int, asyncio.Future]] = []
        self._last_activity = time.monotonic()
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        # Stands in for a load balancer: when set, webhook deliveries go round-robin to these
        # URLs (several bot processes) instead of the URL given to setWebhook.
        self.webhook_targets: list[str] = []
        self.webhook_deliveries: list[tuple[int, str]] = []  # (update_id, target) answered 200
        self._webhook_task: asyncio.Task | None = None
        self._webhook_queue: asyncio.Queue | None = None

    # ---------------------------------------------------------------- people and messages
    def user(self, user_id: int, first_name: str = "Người dùng", last_name: str | None = None,
             phone: str | None = None, username: str | None = None) -> FakeUser:
        if user_id not in self.users:
            self.users[user_id] = FakeUser(self, user_id, first_name, last_name, phone, username)
        elif phone and not self.users[user_id].phone:
            self.users[user_id].phone = phone
        return self.users[user_id]

    def chat_messages(self, chat_id: int) -> list[SentMessage]:
        return self.sent.get(chat_id, [])

    def find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        for message in self.sent.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def bot_json(self) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": self.bot_name,
                "username": self.bot_username}

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def store_file(self, content: bytes, folder: str) -> tuple[str, str]:
        n = next(self.ids)
        file_id = f"{folder}-{self._file_prefix}{n}-AgAD"
        self.keep_file(file_id, content)
        self.file_paths[file_id] = f"{folder}/file_{self._file_prefix}{n}"
        return file_id, f"u{self._file_prefix}{n}"

    def keep_file(self, file_id: str, content: bytes) -> None:
        self.files[file_id] = content
        if self.file_store is not None and SAFE_FILE_ID.match(file_id):
            self.file_store.mkdir(parents=True, exist_ok=True)
            (self.file_store / file_id).write_bytes(content)

    def file(self, file_id: str) -> bytes | None:
        """A file's content by its id: sent in this run, or kept in the store by an earlier one."""
        if file_id in self.files:
            return self.files[file_id]
        if self.file_store is None or not isinstance(file_id, str) \
                or not SAFE_FILE_ID.match(file_id):
            return None
        path = self.file_store / file_id
        if not path.is_file():
            return None
        self.files[file_id] = path.read_bytes()
        self.file_paths.setdefault(file_id, f"files/{file_id}")
        return self.files[file_id]

    def incoming_message(self, user: dict, chat: dict, **content) -> dict:
        message_id = self._next_message_id(chat["id"])
        self.last_user_message[chat["id"]] = message_id
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat,
                   "from": user, **content}
        return self.push_update({"message": message})

    def message_json(self, m: SentMessage) -> dict:
        chat = self.users[m.chat_id].chat_json() if m.chat_id in self.users else {
            "id": m.chat_id, "type": "private" if m.chat_id > 0 else "group", "first_name": "?"}
        data: dict[str, Any] = {"message_id": m.message_id, "date": m.date, "chat": chat,
                                "from": self.bot_json()}
        if m.kind == "text":
            data["text"] = m.text or ""
        else:
            if m.text:
                data["caption"] = m.text
            file_id = m.file_id or "file"
            if m.kind == "photo":
                data["photo"] = [{"file_id": file_id, "file_unique_id": file_id[-8:],
                                  "width": 800, "height": 600}]
            else:
                data["document"] = {"file_id": file_id, "file_unique_id": file_id[-8:],
                                    "file_name": m.file_name or "file"}
        if m.inline_buttons:
            data["reply_markup"] = {"inline_keyboard": [
                [{k: v for k, v in {"text": b.text, "callback_data": b.callback_data,
                                    "url": b.url}.items() if v is not None} for b in row]
                for row in m.inline_buttons]}
        return data

    # ---------------------------------------------------------------- updates
    def push_update(self, body: dict) -> dict:
        update = {"update_id": next(self._update_ids), **body}
        self._pending.append(update)
        self._last_activity = time.monotonic()
        self._new_update.set()
        if self.webhook_url and self._webhook_queue is not None:
            self._webhook_queue.put_nowait(update)
        return update

    def pop_updates(self) -> list[dict]:
        updates, self._pending = self._pending, []
        return updates

    def _confirm_received(self, offset: int) -> None:
        if offset - 1 <= self.received_update_id:
            return
        self.received_update_id = offset - 1
        waiting = []
        for update_id, future in self._receipt_waiters:
            if update_id <= self.received_update_id:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((update_id, future))
        self._receipt_waiters = waiting

    async def wait_received(self, update_id: int, timeout: float = 30.0) -> None:
        """Return once the polling bot has received the update: its next getUpdates asks for
        a later offset. A PTB bot asks again only after putting the previous batch in its
        update queue, so from then on `Application.update_queue.join()` covers the update's
        handling (what `cadrebot sandbox` waits for after each line)."""
        if update_id <= self.received_update_id:
            return
        future = asyncio.get_running_loop().create_future()
        self._receipt_waiters.append((update_id, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"update {update_id} not received by the bot") from None

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            if not self._pending and now - self._last_activity >= quiet:
                return
            if now > deadline:
                raise TimeoutError(f"bot not idle: {len(self._pending)} updates pending")
            await asyncio.sleep(0.02)

    # ---------------------------------------------------------------- faults
    def fail(self, method: str | None = "sendMessage", status: int = 429, retry_after: int | None = 1,
             times: int = 1, chat_id: int | None = None, description: str | None = None) -> None:
        """The next `times` calls of `method` fail with HTTP `status` (0: the call times out,
        nothing is done and no answer reaches the bot)."""
        self._faults.append(Fault(method, status, retry_after if status == 429 else None, times,
                                  chat_id, description))

    def block(self, user_id: int) -> None:
        self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        self._blocked.discard(user_id)

    def _check_faults(self, method: str, params: dict) -> None:
        chat_id = _int_or_none(params.get("chat_id"))
        if method in SEND_METHODS and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        for fault in self._faults:
            if fault.times <= 0:
                continue
            if fault.method not in (None, method):
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.times -= 1
            default = {429: f"Too Many Requests: retry after {fault.retry_after}",
                       403: "Forbidden: bot was blocked by the user",
                       400: "Bad Request: injected", 500: "Internal Server Error",
                       0: "Timed out",
                       502: "Bad Gateway"}.get(fault.status, "Error")
            raise ApiError(fault.status, fault.description or default, fault.retry_after)
        if self.rate_limit and method.startswith("send"):
            now = time.monotonic()
            while self._send_times and now - self._send_times[0] >= 1.0:
                self._send_times.popleft()
            if len(self._send_times) >= self.rate_limit:
                raise ApiError(429, "Too Many Requests: retry after 1", 1)
            self._send_times.append(now)

    # ---------------------------------------------------------------- Bot API
    async def handle(self, method: str, params: dict, uploads: dict | None = None) -> tuple[int, dict]:
        """One Bot API call; returns (HTTP status, JSON body)."""
        params = {k: _decode(v) for k, v in (params or {}).items()}
        uploads = uploads or {}
        self.calls.append(Call(method, params, time.monotonic()))
        if method != "getUpdates":
            self._last_activity = time.monotonic()
        wait = self.delay + self.delay_for.get(method, 0.0)
        if wait:
            await asyncio.sleep(wait)
        try:
            self._check_faults(method, params)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = handler(params, uploads)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as error:
            return error.status, error.payload()
        finally:
            if method != "getUpdates":
                self._last_activity = time.monotonic()
        return 200, {"ok": True, "result": result}

    def _m_getMe(self, p, u):
        return {**self.bot_json(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _m_getUpdates(self, p, u):
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = int(p.get("offset") or 0)
        if offset:
            self._pending = [x for x in self._pending if x["update_id"] >= offset]
            self._confirm_received(offset)
        timeout = float(p.get("timeout") or 0)
        if not self._pending and timeout > 0 and not self.closing:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                pass
        limit = int(p.get("limit") or 100)
        return self._pending[:limit]

    def _m_setWebhook(self, p, u):
        self.webhook_url = p.get("url") or None
        self.webhook_secret = p.get("secret_token")
        if self.webhook_url:
            self._start_webhook_worker()
        return True

    def _m_deleteWebhook(self, p, u):
        self.webhook_url = None
        if p.get("drop_pending_updates"):
            self._pending = []
        return True

    def _m_getWebhookInfo(self, p, u):
        return {"url": self.webhook_url or "", "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    def _start_webhook_worker(self) -> None:
        if self._webhook_queue is None:
            self._webhook_queue = asyncio.Queue()
            for update in self._pending:
                self._webhook_queue.put_nowait(update)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhooks())

    async def _deliver_webhooks(self) -> None:
        import httpx

        async with httpx.AsyncClient(timeout=10) as client:
            turn = 0
            while True:
                update = await self._webhook_queue.get()
                for _attempt in range(20):
                    if not self.webhook_url:
                        break
                    headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} \
                        if self.webhook_secret else {}
                    target = self.webhook_url
                    if self.webhook_targets:  # a process that is down: the next one retries
                        target = self.webhook_targets[turn % len(self.webhook_targets)]
                        turn += 1
                    try:
                        response = await client.post(target, json=update, headers=headers)
                        if response.status_code == 200:
                            self.webhook_deliveries.append((update["update_id"], target))
                            self._pending = [x for x in self._pending
                                             if x["update_id"] != update["update_id"]]
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.2)
                self._last_activity = time.monotonic()

    async def close(self) -> None:
        self.closing = True
        self._new_update.set()  # a long poll still waiting returns now
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            try:
                await self._webhook_task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    def _record(self, chat_id: int, kind: str, text: str | None, p: dict,
                file_bytes: bytes | None = None, file_name: str | None = None,
                file_id: str | None = None) -> SentMessage:
        if chat_id not in self.users and chat_id > 0:
            raise ApiError(400, "Bad Request: chat not found")
        markup = p.get("reply_markup") or {}
        inline = _inline(markup)
        message = SentMessage(self._next_message_id(chat_id), chat_id, text, p.get("parse_mode"),
                              inline, None, kind, file_bytes, file_name, file_id,
                              date=int(time.time()))
        if "keyboard" in markup:
            rows = [[_reply_button(b) for b in row] for row in markup["keyboard"]]
            self.reply_keyboards[chat_id] = rows
            message.reply_keyboard = [[b.text for b in row] for row in rows]
        elif markup.get("remove_keyboard"):
            self.reply_keyboards[chat_id] = None
            message.reply_keyboard = []
        self.sent.setdefault(chat_id, []).append(message)
        self.sent_total += 1
        return message

    def _m_sendMessage(self, p, u):
        text = p.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self.message_json(self._record(int(p["chat_id"]), "text", text, p))

    def _upload(self, p: dict, u: dict, field_name: str, folder: str) -> tuple[bytes | None, str | None, str]:
        value = p.get(field_name)
        if field_name in u:
            name, content, _mime = u[field_name]
            if hasattr(content, "read"):
                content = content.read()
            file_id, _unique = self.store_file(content, folder)
            return content, name, file_id
        if isinstance(value, str) and value.startswith("attach://"):
            key = value.removeprefix("attach://")
            name, content, _mime = u[key]
            file_id, _unique = self.store_file(content, folder)
            return content, name, file_id
        if isinstance(value, str) and self.file(value) is not None:
            return self.files[value], None, value
        raise ApiError(400, f"Bad Request: wrong file identifier/HTTP URL specified ({field_name})")

    def _m_sendPhoto(self, p, u):
        content, name, file_id = self._upload(p, u, "photo", "photos")
        return self.message_json(self._record(int(p["chat_id"]), "photo", p.get("caption"), p,
                                              content, name, file_id))

    def _m_sendDocument(self, p, u):
        content, name, file_id = self._upload(p, u, "document", "documents")
        return self.message_json(self._record(int(p["chat_id"]), "document", p.get("caption"), p,
                                              content, name, file_id))

    def _m_sendChatAction(self, p, u):
        return True

    def _edit_target(self, p) -> SentMessage:
        message = self.find_message(int(p["chat_id"]), int(p["message_id"]))
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _m_editMessageText(self, p, u):
        message = self._edit_target(p)
        inline = _inline(p.get("reply_markup") or {})
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if message.text == p.get("text") and message.inline_buttons == inline:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        message.text, message.inline_buttons = p.get("text"), inline
        message.parse_mode = p.get("parse_mode")
        message.edits += 1
        return self.message_json(message)

    def _m_editMessageCaption(self, p, u):
        message = self._edit_target(p)
        inline = _inline(p.get("reply_markup") or {})
        if message.text == p.get("caption") and message.inline_buttons == inline:
            raise ApiError(400, "Bad Request: message is not modified")
        message.text, message.inline_buttons = p.get("caption"), inline
        message.edits += 1
        return self.message_json(message)

    def _m_editMessageReplyMarkup(self, p, u):
        message = self._edit_target(p)
        inline = _inline(p.get("reply_markup") or {})
        if message.inline_buttons == inline:
            raise ApiError(400, "Bad Request: message is not modified")
        message.inline_buttons = inline
        message.edits += 1
        return self.message_json(message)

    def _m_deleteMessage(self, p, u):
        message = self._edit_target(p)
        message.deleted = True
        return True

    def _m_answerCallbackQuery(self, p, u):
        query_id = str(p.get("callback_query_id"))
        if query_id in self._answered:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                                "query ID is invalid")
        self._answered.add(query_id)
        user = self._query_users.get(query_id)
        if p.get("text") and user is not None:
            user.alerts.append(p["text"])
        return True

    def _m_setMyCommands(self, p, u):
        self.commands = list(p.get("commands") or [])
        return True

    def _m_getMyCommands(self, p, u):
        return self.commands

    def _m_deleteMyCommands(self, p, u):
        self.commands = []
        return True

    def _m_setChatMenuButton(self, p, u):
        return True

    def _m_getFile(self, p, u):
        file_id = p.get("file_id")
        if self.file(file_id) is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path = self.file_paths.get(file_id, f"files/{file_id}")
        return {"file_id": file_id, "file_unique_id": file_id[-8:],
                "file_size": len(self.files[file_id]), "file_path": path}

    def file_by_path(self, path: str) -> bytes | None:
        for file_id, known in self.file_paths.items():
            if known == path:
                return self.files[file_id]
        return None

    def _m_getChat(self, p, u):
        chat_id = int(p["chat_id"])
        if chat_id in self.users:
            return self.users[chat_id].chat_json()
        return {"id": chat_id, "type": "group", "title": "Nhóm thử"}

    def _m_leaveChat(self, p, u):
        return True

    def _m_close(self, p, u):
        return True

    def _m_logOut(self, p, u):
        return True


def _decode(value: Any) -> Any:
    """Values arrive JSON-encoded as strings (forms, PTB's json_parameters)."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _inline(markup: dict) -> list[list[Button]]:
    rows = markup.get("inline_keyboard") or []
    return [[Button(b.get("text", ""), b.get("callback_data"), b.get("url"),
                    web_app=(b.get("web_app") or {}).get("url")) for b in row]
            for row in rows]


def _reply_button(raw: Any) -> Button:
    if isinstance(raw, str):
        return Button(raw)
    return Button(raw.get("text", ""), request_contact=bool(raw.get("request_contact")))
