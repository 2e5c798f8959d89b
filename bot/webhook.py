"""Webhook mode: a small tornado server in front of the Application.

POST /<path of CADREBOT_WEBHOOK_URL>  an update from Telegram; the secret-token header must
                                      match; the update is recorded (bot/inbound.py) before
                                      Telegram gets its 200
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
from tornado.web import RequestHandler

from bot import inbound, leadership
from bot.config import Settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class _State:
    def __init__(self, app: Application, secret: str | None) -> None:
        self.app = app
        self.secret = secret
        self.draining = False


class _UpdateHandler(RequestHandler):
    def initialize(self, state: _State) -> None:
        self.state = state

    def check_xsrf_cookie(self) -> None:  # Telegram posts JSON, not a form
        return None

    async def post(self) -> None:
        state = self.state
        if state.draining:
            self.set_status(503)  # Telegram retries; the balancer picks another process
            return
        if state.secret is not None and not hmac.compare_digest(
                self.request.headers.get(SECRET_HEADER, ""), state.secret):
            log.warning("webhook call with a wrong secret token refused")
            self.set_status(403)
            return
        try:
            payload = json.loads(self.request.body)
            int(payload["update_id"])
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        app = state.app
        if await inbound.record(app.bot_data["services"].db, payload,
                                leadership.process_id(app)):
            await app.update_queue.put(Update.de_json(payload, app.bot))
        self.set_status(200)


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


def web_application(app: Application, settings: Settings) -> tuple[WebApplication, _State]:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    state = _State(app, secret)
    path = "/" + urlsplit(settings.webhook_url).path.strip("/")
    routes = [(r"/healthz", _HealthHandler, {"state": state})]
    if path != "/healthz":
        routes.insert(0, (rf"{path.rstrip('/')}/?", _UpdateHandler, {"state": state}))
    return WebApplication(routes), state


async def serve(app: Application, settings: Settings, allowed_updates: list[str],
                stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set), then shut down gracefully."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread
            pass
    web, state = web_application(app, settings)
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
