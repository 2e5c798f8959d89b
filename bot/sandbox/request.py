"""A PTB request backend that calls the emulator in-process (no sockets)."""

from __future__ import annotations

import json

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from bot.sandbox.emulator import Emulator


class EmulatorRequest(BaseRequest):
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    @property
    def read_timeout(self) -> float | None:
        return 10.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None,
                         pool_timeout=None) -> tuple[int, bytes]:
        if "/file/bot" in url:
            path = url.split("/file/bot", 1)[1].split("/", 1)[1]
            content = self.emulator.file_by_path(path)
            return (200, content) if content is not None else (404, b"Not Found")
        api_method = url.rstrip("/").rsplit("/", 1)[-1]
        params = dict(request_data.json_parameters) if request_data else {}
        uploads = dict(request_data.multipart_data) if request_data and request_data.contains_files else {}
        status, body = await self.emulator.handle(api_method, params, uploads)
        if status == 0:  # an injected timeout: no answer reaches the bot
            raise TimedOut("Timed out (injected by the emulator)")
        return status, json.dumps(body).encode()
