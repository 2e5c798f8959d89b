"""The emulator over HTTP on 127.0.0.1 (tornado): `/bot<token>/<method>`, `/file/bot<token>/…`."""

from __future__ import annotations

import asyncio
import json
import socket

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from bot.sandbox.emulator import Emulator


class _ApiHandler(RequestHandler):
    def initialize(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def check_xsrf_cookie(self) -> None:  # an API, not a web form
        return None

    async def _api(self, token: str, method: str) -> None:
        if token != self.emulator.token:
            self.set_status(401)
            self.finish({"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params: dict = {k: self.get_argument(k) for k in self.request.arguments}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            params.update(json.loads(self.request.body))
        uploads = {
            name: (files[0].filename, files[0].body, files[0].content_type)
            for name, files in self.request.files.items()
        }
        status, body = await self.emulator.handle(method, params, uploads)
        self.set_status(status or 504)  # an injected timeout: a gateway timeout over HTTP
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    async def post(self, token: str, method: str) -> None:
        await self._api(token, method)

    async def get(self, token: str, method: str) -> None:
        await self._api(token, method)


class _FileHandler(RequestHandler):
    def initialize(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def get(self, token: str, path: str) -> None:
        content = self.emulator.file_by_path(path) if token == self.emulator.token else None
        if content is None:
            self.set_status(404)
            self.finish("Not Found")
            return
        self.finish(content)


class EmulatorServer:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.port = 0
        self._server: HTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> EmulatorServer:
        app = Application([
            (r"/file/bot([^/]+)/(.+)", _FileHandler, {"emulator": self.emulator}),
            (r"/bot([^/]+)/(\w+)", _ApiHandler, {"emulator": self.emulator}),
        ])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._server = HTTPServer(app, max_buffer_size=60 * 1024 * 1024)
        self._server.add_sockets([sock])
        return self

    async def stop(self) -> None:
        await self.emulator.close()  # first: a long poll still open answers and ends
        if self._server is not None:
            self._server.stop()
            await asyncio.sleep(0.05)
            await self._server.close_all_connections()
            self._server = None

    async def __aenter__(self) -> EmulatorServer:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()
