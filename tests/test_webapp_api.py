"""The dashboard's JSON API over HTTP (handlers/webapp.py): signed in by Telegram's initData
only, each view re-authorised by the services as in the chat, and the board's overview
telling the same figures as the text digest (📈 Tổng hợp)."""

from __future__ import annotations

import json
import re

import httpx
import openpyxl
import pytest
from sqlalchemy import select
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication

from bot.services.webapp_auth import sign
from handlers import webapp, webapp_views
from models import Cadre
from tests.harness import TOKEN
from tests.test_flow_notices import province
from tests.test_flow_report import fill_and_submit

URL = "https://kpi.example.gov.vn/app/"


def init_data(person, clock, token: str = TOKEN, age: int = 60) -> str:
    return sign({"id": person.id, "first_name": "x"}, token,
                int(clock.now().timestamp()) - age)


@pytest.fixture
async def dashboard(harness, unused_tcp_port):
    server = HTTPServer(WebApplication(webapp.routes(harness.app, URL)))
    server.listen(unused_tcp_port, "127.0.0.1")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}/app/") as client:
        yield client
    server.stop()


def as_of(clock) -> str:
    """"Figures as of …" for a view computed now (the province's local time)."""
    from zoneinfo import ZoneInfo

    return f"Số liệu lúc {clock.now().astimezone(ZoneInfo('Asia/Ho_Chi_Minh')):%H:%M %d/%m/%Y}"


def as_(person, clock, **kwargs):
    return {"X-Telegram-Init-Data": init_data(person, clock, **kwargs)}


async def test_the_page_and_its_words_are_served_without_sign_in(harness, clock, dashboard):
    page = await dashboard.get("")
    assert page.status_code == 200 and "<script src=\"app.js\"" in page.text
    assert "cdn" not in page.text.lower() and "http" not in page.text.replace("http-equiv", "")
    labels = (await dashboard.get("api/labels")).json()
    assert labels["overview"] == "Toàn tỉnh" and labels["excel"] == "📥 Tải Excel"
    assert labels["band_names"]["tot"] == "Hoàn thành tốt nhiệm vụ"


async def test_forged_stale_or_missing_init_data_gets_401_and_nothing_else(
        harness, clock, dashboard):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    for name in ("me", "overview", "unit", "team", "year", "notices", "search"):
        assert (await dashboard.get(f"api/{name}")).status_code == 401
        forged = {"X-Telegram-Init-Data": init_data(ha, clock, token="1:forged")}
        response = await dashboard.get(f"api/{name}", headers=forged)
        assert response.status_code == 401 and response.json() == {"error": "unauthorised"}
        stale = await dashboard.get(f"api/{name}", headers=as_(ha, clock, age=2 * 86400))
        assert stale.status_code == 401
    tampered = init_data(thao, clock).replace(f"%22id%22%3A{thao.id}", f"%22id%22%3A{ha.id}")
    assert tampered != init_data(thao, clock)
    response = await dashboard.get("api/overview", headers={"X-Telegram-Init-Data": tampered})
    assert response.status_code == 401
    download = await dashboard.get("api/xlsx", params={"view": "overview"})
    assert download.status_code == 401


async def test_an_account_linked_to_nobody_sees_nothing(harness, clock, dashboard):
    await province(harness, clock)
    stranger = harness.person(999_999, "Lạ")
    for name in ("me", "overview", "team", "year"):
        assert (await dashboard.get(f"api/{name}", headers=as_(stranger, clock))).status_code \
            == 403


async def test_a_cadre_reads_only_their_own_year(harness, clock, dashboard):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    me = (await dashboard.get("api/me", headers=as_(thao, clock))).json()
    assert me["board"] is False and me["team"] is False and me["own"] is True
    for name in ("overview", "unit", "team", "notices", "search"):
        response = await dashboard.get(f"api/{name}", headers=as_(thao, clock),
                                       params={"q": "xã", "unit": "1"})
        assert response.status_code == 403, name
    for view in ("overview", "unit", "team"):
        response = await dashboard.get("api/xlsx", params={"view": view,
                                                           "auth": init_data(thao, clock)})
        assert response.status_code == 403
    year = (await dashboard.get("api/year", headers=as_(thao, clock))).json()
    assert year["year"] == 2026
    assert [p["period"] for p in year["periods"]] == ["Tháng 11/2026"]
    # nothing in the request names whose year: it is always the signed-in person's
    other = await dashboard.get("api/year", headers=as_(thao, clock),
                                params={"cadre": "1", "id": "1"})
    assert other.json() == year


async def test_an_evaluator_sees_only_their_team(harness, clock, dashboard):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    async with harness.db.session() as s:
        anh_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH002"))
        team_codes = set(await s.scalars(select(Cadre.code).where(
            Cadre.evaluator_id == anh_id, Cadre.active.is_(True))))
    me = (await dashboard.get("api/me", headers=as_(anh, clock))).json()
    assert me["team"] is True and me["board"] is False
    team = (await dashboard.get("api/team", headers=as_(anh, clock))).json()
    assert {p["code"] for p in team["people"]} == team_codes and "XTH004" in team_codes
    thao_line = next(p for p in team["people"] if p["code"] == "XTH004")
    assert thao_line["submitted"] is True and thao_line["waiting"] == 3
    assert thao_line["chat_link"] == f"rv_{thao_line['id']}_{team['period']['id']}"
    assert all(p["chat_link"] is None for p in team["people"] if not p["waiting"])
    # the agency's annual list as 📅 tells it: the cap of "Excellently completed"
    quota = team["quota"]
    assert quota["title"].startswith("Xếp loại chất lượng năm 2026 — ")
    assert quota["rule"] and "<" not in quota["rule"]
    assert quota["groups"] == [] and quota["closed"] is False  # nobody proposed yet
    assert team["period"]["label"] == "Tháng 11/2026"
    for name in ("overview", "unit", "notices"):
        assert (await dashboard.get(f"api/{name}", headers=as_(anh, clock))).status_code == 403
    workbook = await dashboard.get("api/xlsx", params={"view": "team",
                                                       "auth": init_data(anh, clock)})
    assert workbook.status_code == 200
    sheet = _open(workbook.content).worksheets[0]
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == team_codes


def _open(content: bytes):
    import io

    return openpyxl.load_workbook(io.BytesIO(content))


async def test_the_board_overview_tells_the_text_digests_figures(harness, clock, dashboard):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    await ha.send("📈 Tổng hợp")
    digest = next(m.text for m in reversed(ha.fake.messages)
                  if "Tổng hợp toàn tỉnh" in (m.text or ""))
    sent, total = map(int, re.search(r"Đã gửi báo cáo: (\d+)/(\d+)", digest).groups())
    overview = (await dashboard.get("api/overview", headers=as_(ha, clock))).json()
    assert (overview["submitted"], overview["cadres"]) == (sent, total)
    assert overview["period"]["label"] == "Tháng 11/2026"
    assert overview["sent_text"].startswith(f"{sent}/{total} (")
    assert [i["name"] for i in overview["indicators"]] and all(
        i["line"].split(":")[0] in digest for i in overview["indicators"])
    assert [t["value"] for t in overview["thresholds"]] == [90, 70, 50]
    assert overview["year"][-1]["submitted"] == sent

    # drill-down: the province, then one of its units
    top = (await dashboard.get("api/unit", headers=as_(ha, clock))).json()
    assert top["children"] and sum(c["cadres"] for c in top["children"]) <= top["total"]["cadres"]
    commune = next(c for c in top["children"] if c["submitted"])
    inside = (await dashboard.get("api/unit", headers=as_(ha, clock),
                                  params={"unit": str(commune["id"])})).json()
    assert inside["unit"]["name"] == commune["name"]
    assert inside["total"]["submitted"] == commune["submitted"]
    found = (await dashboard.get("api/search", headers=as_(ha, clock),
                                 params={"q": commune["name"][-4:]})).json()
    assert commune["id"] in [u["id"] for u in found]
    missing = await dashboard.get("api/unit", headers=as_(ha, clock),
                                  params={"unit": "987654"})
    assert missing.status_code == 404
    bad = await dashboard.get("api/unit", headers=as_(ha, clock), params={"unit": "x"})
    assert bad.status_code == 400

    workbook = await dashboard.get("api/xlsx", params={"view": "overview",
                                                       "auth": init_data(ha, clock)})
    assert workbook.status_code == 200
    assert "attachment" in workbook.headers["content-disposition"]
    assert "Đơn vị" in _open(workbook.content).sheetnames
    unit_book = await dashboard.get("api/xlsx", params={
        "view": "unit", "unit": str(commune["id"]), "auth": init_data(ha, clock)})
    assert unit_book.status_code == 200
    people_sheet = _open(unit_book.content).worksheets[1]  # the people the page lists
    assert [row[0] for row in people_sheet.iter_rows(min_row=2, values_only=True)] == [
        p["code"] for p in inside["people"]]

    notices = await dashboard.get("api/notices", headers=as_(ha, clock))
    assert notices.status_code == 200 and isinstance(notices.json(), list)
    assert json.loads((await dashboard.get("api/me", headers=as_(ha, clock))).text)["board"]




async def test_webhook_mode_serves_the_dashboard_next_to_the_updates(harness, clock,
                                                                    unused_tcp_port):
    """bot/app.py hands the dashboard's routes to the webhook server (bot/webhook.py)."""
    from bot.webhook import web_application
    from tests.harness import make_settings

    thao, anh, ha, truong, tuan = await province(harness, clock)
    settings = make_settings(CADREBOT_WEBHOOK_URL=f"http://127.0.0.1:{unused_tcp_port}/hook",
                             CADREBOT_WEBHOOK_SECRET="s" * 32, CADREBOT_WEBAPP_URL=URL)
    web, _state = web_application(harness.app, settings,
                                  webapp.routes(harness.app, settings.webapp_url))
    server = HTTPServer(web)
    server.listen(unused_tcp_port, "127.0.0.1")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{unused_tcp_port}") as client:
            assert (await client.post("/hook", json={})).status_code == 403
            me = await client.get("/app/api/me", headers=as_(ha, clock))
            assert me.status_code == 200 and me.json()["board"] is True
            assert (await client.get("/app/")).status_code == 200
    finally:
        server.stop()


def test_the_dashboard_address_must_be_https():
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError):
        load_settings(_env_file=None, CADREBOT_WEBAPP_URL="http://kpi.example.gov.vn/app/")
    assert load_settings(_env_file=None, CADREBOT_WEBAPP_URL="https://kpi.example.gov.vn/app"
                         ).webapp_url == "https://kpi.example.gov.vn/app/"
    assert webapp.base_path("https://kpi.example.gov.vn/app/") == "/app/"
    assert webapp.base_path("https://kpi.example.gov.vn") == "/"


# Every endpoint, who gets it (200); everyone else 403, and no initData at all 401.
API_MATRIX = {
    "me": "board evaluator cadre",
    "overview": "board", "unit": "board", "search": "board", "notices": "board",
    "team": "board evaluator",  # the board evaluates too (its own team, maybe nobody)
    "year": "board evaluator cadre",
    "xlsx?view=overview": "board", "xlsx?view=unit": "board",
    "xlsx?view=team": "board evaluator",
}


async def test_the_api_access_matrix(harness, clock, dashboard):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    people = {"board": ha, "evaluator": anh, "cadre": thao,
              "stranger": harness.person(999_999, "Lạ")}
    assert {key.split("?")[0] for key in API_MATRIX} == set(webapp.VIEWS)
    for endpoint, allowed in API_MATRIX.items():
        name, _sep, query = endpoint.partition("?")
        for role, person in people.items():
            params = dict(p.split("=") for p in query.split("&") if p)
            params["q"] = "xã"
            if name == "xlsx":
                params["auth"] = init_data(person, clock)
                response = await dashboard.get(f"api/{name}", params=params)
            else:
                response = await dashboard.get(f"api/{name}", params=params,
                                               headers=as_(person, clock))
            expected = 200 if role in allowed.split() else 403
            assert response.status_code == expected, (endpoint, role, response.text[:200])
        anonymous = await dashboard.get(f"api/{name}", params=dict(
            p.split("=") for p in query.split("&") if p))
        assert anonymous.status_code == 401, endpoint


async def test_the_boards_views_are_shared_for_a_while_then_fresh(harness, clock, dashboard):
    """CADREBOT_WEBAPP_CACHE_SECONDS (600): the board's overview is computed once for every
    board member, kept in the database (bot/services/dashboard_views.py), and recomputed after;
    the authorisation runs on every call."""
    thao, anh, ha, truong, tuan = await province(harness, clock)
    before = (await dashboard.get("api/overview", headers=as_(ha, clock))).json()
    computed = as_of(clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    again = (await dashboard.get("api/overview", headers=as_(ha, clock))).json()
    assert again["submitted"] == before["submitted"]
    assert (await dashboard.get("api/overview", headers=as_(anh, clock))).status_code == 403
    assert again["as_of_text"] == before["as_of_text"] == computed
    clock.advance(seconds=599)
    assert (await dashboard.get("api/overview", headers=as_(ha, clock))).json() == before
    clock.advance(seconds=2)
    fresh = (await dashboard.get("api/overview", headers=as_(ha, clock))).json()
    assert fresh["submitted"] == before["submitted"] + 1
    assert fresh["as_of_text"] == as_of(clock)


async def test_a_locked_periods_views_are_final(harness, clock, dashboard):
    """Once its period is locked, a view computed after the lock is served for good: its
    figures cannot change any more. One computed before the lock is not."""
    from bot.services import periods as period_rules
    from models import Period

    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    before = (await dashboard.get("api/unit", headers=as_(ha, clock))).json()
    computed = as_of(clock)
    period_id = before["period"]["id"]
    clock.advance(seconds=60)
    async with harness.db.session() as s:
        assert await period_rules.set_locked(s, await s.get(Period, period_id), True,
                                             clock.now())
    clock.advance(seconds=60)
    params = {"period": str(period_id)}
    after_lock = (await dashboard.get("api/unit", headers=as_(ha, clock), params=params)).json()
    assert after_lock["as_of_text"] == computed  # fresh enough still
    clock.advance(seconds=600)
    final = (await dashboard.get("api/unit", headers=as_(ha, clock), params=params)).json()
    assert final["as_of_text"] == as_of(clock) != computed  # computed after the lock
    clock.advance(days=40)
    kept = await dashboard.get("api/unit", headers=as_(ha, clock), params=params)
    assert kept.json() == final and kept.headers["content-type"].startswith("application/json")
    assert (await dashboard.get("api/unit", headers=as_(thao, clock),
                                params=params)).status_code == 403  # still authorised first
    plain = await dashboard.get("api/unit", headers={**as_(ha, clock), "Accept-Encoding": ""},
                                params=params)
    assert "content-encoding" not in plain.headers and plain.json() == final


async def test_the_refresh_keeps_every_level_as_computed_live_and_the_targets_trend(
        harness, clock, dashboard):
    """The refresh (run by the scheduler's leader in a worker process) computes the period
    under review's overview and every level of its drill-down from one load of the facts:
    each stored level is the very page a request computes on its own, and each target of
    the overview has its trend over the year, from the overviews kept for earlier periods."""
    from bot.jobs import dashboard as dashboard_job
    from bot.services import dashboard as dashboard_service
    from bot.services import dashboard_views
    from bot.services.units import UnitTree
    from models import DashboardView, Period

    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    services = harness.app.bot_data["services"]
    today = clock.now().astimezone(services.settings.tz).date()
    async with harness.db.session() as s:
        october_id = await s.scalar(select(Period.id).where(
            Period.kind == "month", Period.year == 2026, Period.number == 10))
        units = list((await UnitTree.load(s)).units)
    assert await dashboard_job.due(harness.app, today, clock.now())
    assert (await dashboard.get("api/overview", headers=as_(ha, clock))).status_code == 200
    assert await dashboard_job.due(harness.app, today, clock.now())  # one view is not all
    computed = as_of(clock)
    stored = await webapp_views.refresh(services, today, clock.now())
    assert stored == 1 + len(units) + 2  # October's overview; the overview, the top, each unit
    assert not await dashboard_job.due(harness.app, today, clock.now())
    clock.advance(seconds=300)
    assert await dashboard_job.due(harness.app, today, clock.now())  # half the age

    async with harness.db.session() as s:
        rows = set((await s.execute(select(DashboardView.period_id, DashboardView.view))).all())
    november = {period for period, view in rows if view == "unit:0"}
    assert len(november) == 1 and october_id not in november
    assert {view for period, view in rows if period == october_id} == {"overview"}
    async with harness.db.session() as s:
        kept = await dashboard_views.overviews(s, [october_id])
    assert set(kept) == {october_id}  # the year's earlier period got its overview too
    overview = (await dashboard.get("api/overview", headers=as_(ha, clock))).json()
    assert overview["as_of_text"] == computed  # the refresh's
    for item in overview["indicators"]:
        assert [p["label"] for p in item["trend"]] == ["T10", "T11"]
        assert item["trend"][-1]["value"] == item["value"]
    assert [p["label"] for p in overview["year"]] == ["T10", "T11"]

    async with harness.db.session() as s:
        for unit_id in [None, *units]:
            live = webapp.screens.unit_json(await dashboard_service.unit_drill(
                s, dashboard_service.REFRESH_ACTOR, None, unit_id, today, services.calendar,
                services.policy), services.policy.scoring.bands)
            served = (await dashboard.get("api/unit", headers=as_(ha, clock), params={
                "unit": str(unit_id or 0)})).json()
            assert served["as_of_text"] == overview["as_of_text"]
            assert {k: v for k, v in served.items() if not k.startswith("as_of")} == live


async def test_the_refresh_runs_in_a_worker_process(harness, clock, db_target):
    """The leader's duty spawns the refresh in its own process (seconds of CPU at province
    scale, away from the bot's event loop) and the views land in the database."""
    from bot.jobs import dashboard as dashboard_job
    from bot.services import dashboard_views
    from models import DashboardView
    from tests.harness import make_settings

    if not db_target.url.startswith("sqlite"):
        pytest.skip("the test's PostgreSQL schema is a connection setting a URL cannot carry")
    thao, anh, ha, truong, tuan = await province(harness, clock)
    settings = make_settings(DATABASE_URL=db_target.url, CADREBOT_WEBAPP_URL=URL)
    services = harness.app.bot_data["services"]
    today = clock.now().astimezone(services.settings.tz).date()
    assert await dashboard_job.run_in_worker(webapp_views.refresh_process, settings, today,
                                             clock.now()) == 0
    async with harness.db.session() as s:
        views = set(await s.scalars(select(DashboardView.view)))
        top = (await dashboard_views.overviews(s, [await s.scalar(
            select(DashboardView.period_id).where(DashboardView.view == "unit:0"))]))
    assert {"overview", "unit:0"} <= views and len(views) > 2
    overview = next(iter(top.values())).json()
    assert overview["period"]["label"] == "Tháng 11/2026"  # Vietnamese in the worker too


async def test_a_past_periods_stale_view_is_served_while_a_worker_recomputes_it(
        harness, clock, dashboard, db_target):
    """An earlier period's view older than CADREBOT_WEBAPP_CACHE_SECONDS is served as it is,
    with its time, and recomputed meanwhile in a worker process: browsing past months never
    holds the chat up for the seconds a province-wide view takes."""
    from bot.jobs import dashboard as dashboard_job
    from models import Period

    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")  # the months around today come to exist
    await fill_and_submit(thao)
    async with harness.db.session() as s:
        october = await s.scalar(select(Period.id).where(
            Period.kind == "month", Period.year == 2026, Period.number == 10))
    sqlite = db_target.url.startswith("sqlite")  # the PostgreSQL test schema: not in a URL
    services = harness.app.bot_data["services"]  # the worker opens the test's database
    services.settings = services.settings.model_copy(update={"database_url": db_target.url
                                                             if sqlite else "sqlite://"})
    params = {"period": str(october)}
    response = await dashboard.get("api/overview", headers=as_(ha, clock), params=params)
    assert response.status_code == 200, response.text
    first = response.json()
    assert first["period"]["label"] == "Tháng 10/2026" and first["as_of_text"] == as_of(clock)
    clock.advance(seconds=601)
    stale = (await dashboard.get("api/overview", headers=as_(ha, clock), params=params)).json()
    assert stale == first
    unit = await dashboard.get("api/unit", headers=as_(ha, clock), params=params)
    assert unit.json()["as_of_text"] == as_of(clock)  # never computed: computed now
    tasks = harness.app.bot_data[dashboard_job.RECOMPUTE]
    assert set(tasks) == {(october, "overview")}
    if not sqlite:
        await dashboard_job.stop(harness.app)
        return
    assert await tasks[(october, "overview")] == 0
    again = (await dashboard.get("api/overview", headers=as_(ha, clock), params=params)).json()
    assert again["as_of_text"] == as_of(clock) != first["as_of_text"]


def failing_refresh(settings, today, now, *args) -> None:
    """A refresh that fails (run in a spawned process: module level)."""
    raise SystemExit(3)


async def test_a_failed_refresh_is_not_started_again_at_every_heartbeat(harness, clock):
    import asyncio

    from bot.jobs import dashboard as dashboard_job

    await province(harness, clock)
    services = harness.app.bot_data["services"]
    services.settings = services.settings.model_copy(update={"webapp_url": URL})
    duty = dashboard_job.duty(failing_refresh)
    await duty(harness.app, "holder")
    failed = harness.app.bot_data[dashboard_job.TASK]
    assert await failed == 3
    await asyncio.sleep(0)  # its done-callback
    await duty(harness.app, "holder")
    assert harness.app.bot_data[dashboard_job.TASK] is failed  # not a new process
    harness.app.bot_data[dashboard_job.ENDED] -= services.settings.webapp_cache_seconds
    await duty(harness.app, "holder")  # after half the age: tried again
    again = harness.app.bot_data[dashboard_job.TASK]
    assert again is not failed
    await dashboard_job.stop(harness.app)
