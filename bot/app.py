"""The ONE place that wires the application: handlers, jobs (each handed the screens it
sends), error handler, rate limiter, post_init/post_shutdown. The only module of bot/ that
imports handlers (with bot/cli.py, the operator's, which imports pure screens only).
Order of handler groups matters:

  -100  gate: private chats only, load the actor, unlinked users -> onboarding
     0  features: menu labels, commands and button taps (each stops the update)
    10  flow steps: typed answers and files for the flow the chat is in (state in DB)
    50  a spreadsheet the board sends outside any flow: an import (handlers/chatfiles.py)
   100  fallback: unknown text, stickers, files, stale buttons
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot import webhook
from bot.clock import Clock
from bot.config import Settings
from bot.context import AppServices, BotContext, end_of_update
from bot.db import Database
from bot.inbound import ChatOrderProcessor, take_over_stale
from bot.jobs import dashboard as dashboard_job
from bot.jobs import digests, leadership, maintenance, reminders
from bot.jobs.outbox import OutboxWorker
from bot.polling import PacedUpdatesRequest, UpdateQueue
from bot.telegram_request import UpdateAwareRequest
from bot.telegram_retry import RetryingRateLimiter
from handlers import (
    annual,
    appeals,
    chatfiles,
    delegation,
    digest,
    errors,
    fallback,
    feedback,
    flowrouter,
    gate,
    leave,
    menu,
    notices,
    onboarding,
    publication,
    rating,
    reminder_settings,
    report,
    results,
    review,
    targets,
    tasks,
    training,
    webapp,
    webapp_views,
)
from handlers.screens import digest as digest_screens
from handlers.screens import menu as menu_screens
from handlers.screens import notices as notice_screens
from handlers.screens import reminders as reminder_screens

log = logging.getLogger(__name__)

FEATURE_MODULES = [
    report, results, review, rating, annual, delegation, targets, training, notices, reminder_settings,
    digest, chatfiles, menu, onboarding, leave, appeals, publication, feedback, webapp,
    tasks,
]


class CadreApplication(Application):
    """PTB's Application, with the update's transaction closed when its handling ends
    (whichever path it took: handled, refused by the gate, or matched by no handler)."""

    async def process_update(self, update: object) -> None:
        async with end_of_update():
            await super().process_update(update)


ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "channel_post"]


def outbox_worker(app: Application, **options) -> OutboxWorker:
    """The notices' outbox worker, sending what handlers/screens/notices.py renders."""
    return OutboxWorker(
        app, notice_text=lambda notice: notice_screens.notice_text(notice.text),
        ack_markup=lambda notice, delivery_id: notice_screens.ack_markup(notice.ack_kind,
                                                                         delivery_id),
        progress_text=notice_screens.progress_text, **options)


async def _post_init(app: Application) -> None:
    await app.bot.set_my_commands(menu.bot_commands())
    worker = outbox_worker(app)
    app.bot_data["outbox"] = worker
    worker.start()
    duties = [take_over_stale, maintenance.statistics]
    if app.bot_data["services"].settings.webapp_url:  # the board's views, computed ahead
        duties.append(dashboard_job.duty(webapp_views.refresh_process))
    leadership.schedule(app, duties=duties)
    reminders.schedule(app, render=reminder_screens.reminder_screen)
    digests.schedule(app, render=digest_screens.render_digest,
                     keyboard=digest_screens.digest_keyboard)
    settings = app.bot_data["services"].settings
    if settings.webapp_url and not settings.webhook_url:  # webhook mode serves it already
        app.bot_data["web_server"] = webhook.start_web_server(
            webapp.routes(app, settings.webapp_url), settings)
    log.info("bot @%s ready", app.bot.username)


async def _post_stop(app: Application) -> None:
    """Updates and jobs are finished: let the outbox finish its message, give up the lease."""
    worker = app.bot_data.get("outbox")
    if worker is not None:
        await worker.stop()
    await dashboard_job.stop(app)
    await leadership.step_down(app)


async def _post_shutdown(app: Application) -> None:
    server = app.bot_data.pop("web_server", None)
    if server is not None:
        server.stop()
    await app.bot_data["services"].db.dispose()


def build_application(
    settings: Settings,
    db: Database,
    clock: Clock | None = None,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: bool = True,
) -> Application:
    token = settings.token
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the bot")
    builder = (
        ApplicationBuilder()
        .application_class(CadreApplication)
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(ChatOrderProcessor(db, settings.update_concurrency,
                                               ordered=bool(settings.webhook_url)))
    )
    builder = builder.request(UpdateAwareRequest(request))
    queue = UpdateQueue()  # getUpdates is asked for once it has drained (bot/polling.py)
    builder = builder.update_queue(queue).get_updates_request(
        PacedUpdatesRequest(queue, get_updates_request))
    if rate_limiter:
        # Waits on Telegram's global/per-chat limits, retries after a 429, a timeout or a 5xx.
        builder = builder.rate_limiter(RetryingRateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data["services"] = AppServices.create(settings, db, clock or Clock())
    menu_screens.set_dashboard_url(settings.webapp_url)
    app.update_processor.app = app  # it handles an update taken over from a dead process

    gate.register(app)
    for module in FEATURE_MODULES:
        module.register(app)
    flowrouter.register(app)
    fallback.register(app)
    errors.register(app)
    return app


class StartupError(Exception):
    """The bot cannot start; the message is one Vietnamese line for the operator."""


STARTUP_ATTEMPTS = 5  # about half a minute of back-off for a network that is coming up


def check_telegram(settings: Settings, attempts: int = STARTUP_ATTEMPTS,
                   sleep=None) -> None:
    """Ask Telegram who the bot is before starting: a refused token or an unreachable server
    is one line (and a non-zero exit), not a library traceback; a network that is not up yet
    is retried with back-off, saying so."""
    import time

    import httpx

    from bot.i18n import _

    sleep = sleep or time.sleep
    url = f"{settings.telegram_api_base_url}{settings.token}/getMe"
    for attempt in range(1, attempts + 1):
        try:
            response = httpx.get(url, timeout=10)
        except httpx.HTTPError as error:
            if attempt == attempts:
                raise StartupError(_("Cannot reach the Telegram server ({server}): check the "
                                     "network and TELEGRAM_API_BASE_URL.").format(
                    server=_server(settings))) from None
            wait = 2 ** (attempt - 1)
            log.warning("cannot reach Telegram (%s); trying again in %d s",
                        error.__class__.__name__, wait)
            sleep(wait)
            continue
        if response.status_code in (401, 404):
            raise StartupError(_("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (and "
                                 "TELEGRAM_API_BASE_URL)."))
        return


def _server(settings: Settings) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(settings.telegram_api_base_url)
    return f"{parts.scheme}://{parts.netloc}"


def run(settings: Settings, db: Database) -> None:
    """Blocking: polling by default, webhook when CADREBOT_WEBHOOK_URL is set."""
    check_telegram(settings)
    app = build_application(settings, db)
    if settings.webhook_url:
        routes = webapp.routes(app, settings.webapp_url) if settings.webapp_url else None
        asyncio.run(webhook.serve(app, settings, ALLOWED_UPDATES, extra_routes=routes))
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES)
