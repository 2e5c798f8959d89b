"""Webhook mode: a small tornado server in front of the Application.

POST /<path of CADREBOT_WEBHOOK_URL>  an update from Telegram; the secret-token header must
                                      match; the update is recorded (bot/inbound.py) before
                                      Telegram gets its 200
GET  <path of CADREBOT_WEBAPP_URL>…   the dashboard (Telegram Mini App), when set: routes
                                      handed in by bot/app.py (handlers/webapp.py)
GET  /healthz                         200 while this process takes updates and reaches the
                                      database; 503 while stopping or when the database is
                                      away, so a load balancer sends updates elsewhere

SIGTERM/SIGINT: stop taking updates (503), finish every update already accepted, stop the
outbox worker and the jobs, give up the scheduler lease, exit.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from urllib.parse import urlsplit

from sqlalchemy import text
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler, stream_request_body

from bot import inbound
from bot.config import Settings
from bot.jobs import leadership

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _State:
    def __init__(self, app: Application, secret: str) -> None:
        self.app = app
        self.secret = secret
        self.draining = False


MAX_BODY = 1024 * 1024  # an update is a few KB; Telegram's largest are far below this


@stream_request_body
class _UpdateHandler(RequestHandler):
    """The secret header is checked before any of the body is read, and the body is capped
    while it is read (413 above MAX_BODY); an update the bot cannot parse gets 400 and is
    never stored."""

    def initialize(self, state: _State) -> None:
        self.state = state
        self.chunks: list[bytes] = []
        self.size = 0
        self.refused = False

    def check_xsrf_cookie(self) -> None:  # Telegram posts JSON, not a form
        return None

    def _refuse(self, status: int) -> None:
        self.refused = True
        self.set_status(status)
        self.finish()

    def prepare(self) -> None:
        state = self.state
        if self.request.method != "POST":
            return
        if state.draining:
            self._refuse(503)  # Telegram retries; the balancer picks another process
            return
        if not hmac.compare_digest(self.request.headers.get(SECRET_HEADER, "").encode(),
                                   state.secret.encode()):
            log.warning("webhook call with a wrong secret token refused")
            self._refuse(403)
            return
        # Far above the cap the connection is simply closed; a little above it, the rest
        # is read and dropped so the sender gets its 413.
        self.request.connection.set_max_body_size(4 * MAX_BODY)

    def data_received(self, chunk: bytes) -> None:
        if self.refused:
            return
        self.size += len(chunk)
        if self.size > MAX_BODY:
            self.chunks.clear()  # memory stays capped while the rest is read
            return
        self.chunks.append(chunk)

    async def post(self) -> None:
        if self.refused:
            return
        if self.size > MAX_BODY:
            log.warning("webhook call with a body over %d bytes refused", MAX_BODY)
            self.set_status(413)
            return
        payload = parse_update(b"".join(self.chunks), self.state.app.bot)
        if payload is None:
            log.warning("webhook call with an update that cannot be read refused")
            self.set_status(400)
            return
        app = self.state.app
        db = app.bot_data["services"].db
        try:
            recorded = await inbound.record(db, payload, leadership.process_id(app))
        except Exception as error:
            if not db.health.failed(error):
                raise
            self.set_status(503)  # the database is away: Telegram delivers it again later
            return
        if recorded:
            await app.update_queue.put(Update.de_json(payload, app.bot))
        self.set_status(200)


def parse_update(body: bytes, bot) -> dict | None:
    """The update as a dict when it is one the bot can process, else None: valid JSON (not
    nested absurdly deep), an update_id that fits the database, and accepted by the
    library's own parser."""
    try:
        payload = json.loads(body)
        update_id = int(payload["update_id"])
        if not 0 <= update_id < 2**63:
            return None
        Update.de_json(payload, bot)
    except RecursionError:
        return None
    except Exception:  # noqa: BLE001 - whatever the parser dislikes is not an update
        return None
    return payload


class _HealthHandler(RequestHandler):
    def initialize(self, state: _State) -> None:
        self.state = state

    async def get(self) -> None:
        if self.state.draining:
            self.set_status(503)
            self.finish({"status": "stopping"})
            return
        db = self.state.app.bot_data["services"].db
        try:
            async with asyncio.timeout(3):
                async with db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "do not send me updates"
            self.set_status(503)
            self.finish({"status": "database unavailable"})
            return
        self.finish({"status": "ok", "queued_updates": self.state.app.update_queue.qsize(),
                     "scheduler": bool(self.state.app.bot_data.get("leader"))})


def web_application(app: Application, settings: Settings,
                    extra_routes: list | None = None) -> tuple[WebApplication, _State]:
    if settings.webhook_secret is None:  # Settings refuses this; never serve without one
        raise RuntimeError("webhook mode needs CADREBOT_WEBHOOK_SECRET")
    state = _State(app, settings.webhook_secret.get_secret_value())
    path = "/" + urlsplit(settings.webhook_url).path.strip("/")
    routes = [(r"/healthz", _HealthHandler, {"state": state})]
    if path != "/healthz":
        routes.insert(0, (rf"{path.rstrip('/')}/?", _UpdateHandler, {"state": state}))
    # gzip: the dashboard's JSON at province scale is hundreds of KB before compression
    return WebApplication(routes + list(extra_routes or []),
                          compress_response=bool(extra_routes)), state


def start_web_server(routes: list, settings: Settings) -> HTTPServer:
    """Polling mode with the dashboard: the same kind of server, without the update route."""
    server = HTTPServer(WebApplication([(r"/healthz", _PollingHealth), *routes],
                                       compress_response=True), xheaders=True)
    server.listen(settings.listen_port, settings.listen_host)
    log.info("dashboard: listening on %s", settings.listen)
    return server


class _PollingHealth(RequestHandler):
    def get(self) -> None:
        self.finish({"status": "ok"})


async def serve(app: Application, settings: Settings, allowed_updates: list[str],
                stop: asyncio.Event | None = None, extra_routes: list | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then shut down gracefully."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    web, state = web_application(app, settings, extra_routes)
    server = HTTPServer(web, xheaders=True)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    server.listen(settings.listen_port, settings.listen_host)
    await app.bot.set_webhook(settings.webhook_url, secret_token=state.secret,
                              allowed_updates=allowed_updates,
                              max_connections=settings.webhook_max_connections)
    log.info("webhook mode: listening on %s", settings.listen)
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing the updates already accepted")
        state.draining = True
        server.stop()
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        await server.close_all_connections()
        log.info("stopped")
