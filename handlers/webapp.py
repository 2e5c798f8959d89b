"""The dashboard (Telegram Mini App) over HTTP: the page (handlers/webapp_static/) and its
JSON API, served by the bot's own tornado server (bot/webhook.py; in polling mode started by
bot/app.py when CADREBOT_WEBAPP_URL is set), under the path of CADREBOT_WEBAPP_URL:

GET <path>                       the page (index.html, app.js, app.css: no CDN)
GET <path>api/labels             the page's words, from the catalogue (no sign-in needed)
GET <path>api/me                 who is this, which views they may open
GET <path>api/overview?period=   the board: the province for a period and its year
GET <path>api/unit?period=&unit= the board: one level of the drill-down
GET <path>api/search?q=          the board: units by name or code
GET <path>api/team?period=       an evaluator: the people they evaluate
GET <path>api/year               anyone linked: their own year
GET <path>api/notices            the board: notices with delivery and acknowledgements
GET <path>api/xlsx?view=overview|unit|team&period=&unit=   the same view as .xlsx

Every API call but labels carries Telegram's initData (header X-Telegram-Init-Data; the
download link, which a browser follows without headers, as `auth=`): forged, stale or
missing → 401 and nothing else. The services decide who may see what (403 otherwise), as in
the chat. One call, one transaction: the sign-in check and the service call in one session."""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from telegram import Update
from telegram.ext import Application
from tornado.web import RequestHandler, StaticFileHandler

from bot.context import BotContext
from bot.jobs import dashboard as dashboard_job
from bot.services import dashboard, dashboard_views, digests, webapp_auth
from bot.services.dashboard import DashboardError
from bot.services.digests import DigestError
from bot.services.webapp_auth import InitDataError
from handlers import webapp_views as views
from handlers.menu import ITEMS, register_item, send_menu
from handlers.screens import digest as digest_screens
from handlers.screens import menu as menu_screens
from handlers.screens import webapp as screens

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "webapp_static"
INIT_HEADER = "X-Telegram-Init-Data"


class BadRequest(Exception):
    pass


@dataclass(frozen=True)
class Download:
    content: bytes
    name: str


def _int(handler: RequestHandler, name: str) -> int | None:
    raw = handler.get_query_argument(name, "").strip()
    if not raw or raw == "0":
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadRequest(name)
    return int(raw)


async def _me(handler, session, actor, today, services):
    access = dashboard.access_of(actor)
    return {"name": actor.full_name, "code": actor.code, "bot": handler.app.bot.username,
            "board": access.board, "team": access.team, "own": access.own}


async def _board_view(handler, session, actor, today, services, name: str, compute
                      ) -> dashboard_views.Stored:
    """A board view as stored (bot/services/dashboard_views.py): the same for every board
    member, served as kept while fresh enough (for good once its period is locked), else
    computed now and kept. A past period's view gone stale is still served, with its time,
    and recomputed meanwhile in a worker process (its figures rarely change, and computing
    it here would hold up the chat for seconds at province scale); the period under review
    is always fresh (the refresh job keeps it so). The authorisation runs before the lookup,
    on every call."""
    dashboard.overview_allowed(actor)
    settings = services.settings
    period = await dashboard.period_of(session, _int(handler, "period"), today,
                                       services.calendar, services.policy)
    now = services.clock.now()
    found = await dashboard_views.lookup(session, period, name, now,
                                         settings.webapp_cache_seconds)
    if found is not None and not found.fresh and settings.webapp_cache_seconds > 0:
        current = await dashboard.period_of(session, None, today, services.calendar,
                                            services.policy)
        if period.starts_on < current.starts_on:
            dashboard_job.recompute_soon(
                handler.app, views.refresh_process, settings, today, now, period.id,
                "overview" if name == dashboard_views.OVERVIEW else "units")
            return found
    if found is None or not found.fresh:
        body = {**await compute(period), **screens.as_of_json(now, settings.tz)}
        found = dashboard_views.Stored(now, dashboard_views.pack(body))
        if settings.webapp_cache_seconds > 0 or period.locked_at is not None:
            await dashboard_views.store(session, period.id, {name: found.body}, now)
    return found


async def _overview(handler, session, actor, today, services):
    return await _board_view(handler, session, actor, today, services, dashboard_views.OVERVIEW,
                             lambda period: views.overview_body(session, period, today, services))


async def _unit(handler, session, actor, today, services):
    unit_id = _int(handler, "unit")

    async def compute(period):
        found = await dashboard.unit_drill(session, actor, period.id, unit_id, today,
                                           services.calendar, services.policy)
        return screens.unit_json(found, services.policy.scoring.bands)

    return await _board_view(handler, session, actor, today, services,
                             dashboard_views.unit_view(unit_id), compute)


async def _search(handler, session, actor, today, services):
    text = handler.get_query_argument("q", "")[:100]
    return screens.search_json(await dashboard.search_units(session, actor, text))


async def _team(handler, session, actor, today, services):
    found = await dashboard.team(session, actor, _int(handler, "period"), today,
                                 services.calendar, services.policy, services.annual)
    return screens.team_json(found, services.policy.scoring)


async def _year(handler, session, actor, today, services):
    found = await dashboard.own_year(session, actor, today, services.kpi)
    return screens.own_year_json(found, services.policy.scoring.bands)


async def _notices(handler, session, actor, today, services):
    return screens.notices_json(await dashboard.notices_progress(session, actor))


async def _xlsx(handler, session, actor, today, services):
    view = handler.get_query_argument("view", "")
    period_id = _int(handler, "period")
    if view == "unit":  # the very view the page shows, as stored
        shown = (await _unit(handler, session, actor, today, services)).json()
        return Download(screens.unit_workbook(shown),
                        screens.workbook_name("don_vi", shown["period"], shown["unit"]["id"]))
    if view == "team":
        found = await dashboard.team(session, actor, period_id, today, services.calendar,
                                     services.policy)
        return Download(digest_screens.excel_workbook(found.digest, None),
                        screens.workbook_name("nhom", found.period))
    if view == "overview":
        dashboard.overview_allowed(actor)
        found = await digests.view(session, actor, period_id, today, services.calendar,
                                   services.policy)
        return Download(digest_screens.excel_workbook(found.mine, found.board),
                        screens.workbook_name("tinh", found.period))
    raise BadRequest("view")


VIEWS = {"me": _me, "overview": _overview, "unit": _unit, "search": _search, "team": _team,
         "year": _year, "notices": _notices, "xlsx": _xlsx}


class _Api(RequestHandler):
    def initialize(self, app) -> None:
        self.app = app

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")  # personal data: never in a shared cache
        self.set_header("X-Content-Type-Options", "nosniff")

    def _json(self, status: int, body) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(body, ensure_ascii=False))

    def _stored(self, found: dashboard_views.Stored) -> None:
        """A stored view: its gzip bytes as they are to a client that takes gzip (every
        browser does), else unpacked."""
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Vary", "Accept-Encoding")
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            self.set_header("Content-Encoding", "gzip")
            self.finish(found.body)
        else:
            self.finish(gzip.decompress(found.body))

    async def get(self, name: str) -> None:
        if name == "labels":
            self._json(200, screens.labels())
            return
        view = VIEWS.get(name)
        if view is None:
            self._json(404, {"error": "not_found"})
            return
        services = self.app.bot_data["services"]
        settings = services.settings
        init_data = self.request.headers.get(INIT_HEADER) or (
            self.get_query_argument("auth", "") if name == "xlsx" else "")
        now = services.clock.now()
        today = now.astimezone(settings.tz).date()
        try:
            async with services.db.session() as session:
                actor = await webapp_auth.dashboard_actor(session, init_data, settings.token or "",
                                                          now, settings.webapp_max_age)
                result = await view(self, session, actor, today, services)
        except InitDataError as refused:
            log.info("dashboard call refused: %s initData", refused.reason)
            self._json(401, {"error": "unauthorised"})
            return
        except (DashboardError, DigestError) as refused:
            status = 404 if refused.code == "not_found" else 403
            self._json(status, {"error": refused.code})
            return
        except BadRequest as bad:
            self._json(400, {"error": "bad_request", "field": str(bad)})
            return
        if isinstance(result, dashboard_views.Stored):
            self._stored(result)
            return
        if isinstance(result, Download):
            self.set_header("Content-Type", "application/vnd.openxmlformats-officedocument."
                                            "spreadsheetml.sheet")
            self.set_header("Content-Disposition",
                            f"attachment; filename*=UTF-8''{quote(result.name)}")
            self.finish(result.content)
            return
        self._json(200, result)


class _Page(StaticFileHandler):
    def set_extra_headers(self, path: str) -> None:
        self.set_header("X-Content-Type-Options", "nosniff")
        if path.endswith(".html") or not path:
            self.set_header("Cache-Control", "no-cache")


def base_path(url: str) -> str:
    """"/app/" of https://kpi.example.gov.vn/app/ (the reverse proxy passes it unchanged)."""
    return "/" + urlsplit(url).path.strip("/") + "/" if urlsplit(url).path.strip("/") else "/"


def routes(app, url: str) -> list:
    """The dashboard's routes for the bot's web server."""
    path = base_path(url)
    return [(rf"{path}api/(\w+)", _Api, {"app": app}),
            (rf"{path}(.*)", _Page, {"path": str(STATIC), "default_filename": "index.html"})]


# ---------------------------------------------------------------- the chat side

async def on_dashboard(update: Update, context: BotContext) -> None:
    """🖥 Bảng điều khiển: the button that opens the page (nothing read: the page asks)."""
    assert context.actor is not None
    await send_menu(update, menu_screens.dashboard_screen(context.actor))


def register(app: Application) -> None:
    register_item(app, ITEMS["dashboard"], on_dashboard)
