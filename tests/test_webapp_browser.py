"""The dashboard in a real browser: headless Chromium (Debian's `chromium` package, driven
by Playwright with that system browser: no browser download) opens the page at 390×844 with
valid initData in the URL fragment, as Telegram passes it, for a board member and an
evaluator. Screenshots of each view are kept in test-artifacts/webapp/ (CADREBOT_ARTIFACTS
to put them elsewhere). Skipped, saying why, where Chromium or Playwright is missing:
`apt-get install chromium` (CI's .ci/run installs it)."""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote

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

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
try:
    from playwright.async_api import async_playwright
except ImportError:  # pragma: no cover - depends on the machine
    async_playwright = None

pytestmark = [
    pytest.mark.skipif(async_playwright is None,
                       reason="browser test skipped: the playwright package is not installed "
                              "(pip install -e '.[test]')"),
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason="browser test skipped: no Chromium at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]
ARTIFACTS = Path(os.environ.get("CADREBOT_ARTIFACTS",
                                Path(__file__).resolve().parent.parent / "test-artifacts"))
DARK = '{"bg_color":"#17212b","text_color":"#f5f5f5","hint_color":"#708499",' \
       '"button_color":"#5288c1","button_text_color":"#ffffff","secondary_bg_color":"#232e3c"}'


@pytest.fixture
async def site(harness, unused_tcp_port):
    server = HTTPServer(WebApplication(webapp.routes(harness.app, "https://x.example/app/")))
    server.listen(unused_tcp_port, "127.0.0.1")
    yield f"http://127.0.0.1:{unused_tcp_port}/app/"
    server.stop()


@pytest.fixture
async def browser():
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                    args=["--no-sandbox"])
        yield chromium
        await chromium.close()


async def open_as(browser, site, person, clock, theme: str | None = None):
    """The page as Telegram opens it: initData (and the theme) in the URL fragment."""
    init_data = sign({"id": person.id, "first_name": "x"}, TOKEN,
                     int(clock.now().timestamp()) - 30)
    fragment = f"tgWebAppData={quote(init_data)}&tgWebAppVersion=7.10&tgWebAppPlatform=android"
    if theme:
        fragment += f"&tgWebAppThemeParams={quote(theme)}"
    context = await browser.new_context(viewport={"width": 390, "height": 844},
                                        accept_downloads=True, locale="vi-VN")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{site}#{fragment}")
    return page, errors


def record(what: str, seconds: float) -> None:
    """The page's first render on this machine (issue #25 asks ≤ 1.5 s), kept with the
    screenshots."""
    folder = ARTIFACTS / "webapp"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "timings.txt").open("a", encoding="utf-8") as out:
        out.write(f"{what}: {seconds * 1000:.0f} ms (small demo province)\n")


async def shot(page, name: str) -> None:
    folder = ARTIFACTS / "webapp"
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


async def test_the_board_sees_the_digests_figures_drills_down_and_downloads(
        harness, clock, site, browser):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    await ha.send("📈 Tổng hợp")
    digest = next(m.text for m in reversed(ha.fake.messages)
                  if "Tổng hợp toàn tỉnh" in (m.text or ""))
    sent, total = re.search(r"Đã gửi báo cáo: (\d+)/(\d+)", digest).groups()
    services = harness.app.bot_data["services"]  # the views computed ahead, as the bot does
    await webapp_views.refresh(services, clock.now().astimezone(services.settings.tz).date(),
                         clock.now())

    started = time.perf_counter()
    page, errors = await open_as(browser, site, ha, clock)
    figures = page.locator("#figures")
    await figures.wait_for()
    record("board overview, first render", time.perf_counter() - started)
    assert f"{sent}/{total}" in await figures.inner_text()
    assert "Toàn tỉnh — Tháng 11/2026" in await page.locator("h1").inner_text()
    assert (await page.locator("#as-of").inner_text()).startswith("Số liệu lúc ")
    tabs = await page.locator("#tabs button").all_inner_texts()
    assert tabs[0] == "Toàn tỉnh" and "Đơn vị" in tabs and "Năm của tôi" in tabs
    for item in await page.locator("#targets li").all_inner_texts():
        assert item.split(":")[0] in digest
    assert await page.locator("svg").count() >= 1
    # each target's trend over the year (October's overview was computed by the refresh)
    trends = page.locator("#targets li svg")
    assert await trends.count() >= 1 and "T10" in await trends.first.inner_html()
    await shot(page, "board-overview")

    # the drill-down: the province's units, then a tap on one of them
    await page.locator("#tabs button", has_text="Đơn vị").click()
    first = page.locator("#units tbody tr td:first-child button").first
    await first.wait_for()
    headers = await page.locator("#units th").all_inner_texts()
    assert headers == ["Tên", "Đã gửi", "Đúng hạn", "Điểm trung bình", "Đã bồi dưỡng",
                       "Mức đánh giá"]
    await page.locator("#units th", has_text="Mức đánh giá").click()  # every column sorts
    await page.locator('#units th[aria-sort="descending"]', has_text="Mức đánh giá").wait_for()
    first = page.locator("#units tbody tr td:first-child button").first
    name = await first.inner_text()
    await shot(page, "board-units")
    await first.click()
    await page.locator("#unit-name", has_text=name).wait_for()
    assert name in await page.locator("#path").inner_text()
    await shot(page, "board-unit")

    # the Excel button: a workbook that opens, of that unit
    async with page.expect_download() as download_info:
        await page.locator("#excel").click()
    download = await download_info.value
    workbook = openpyxl.load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
    assert workbook.sheetnames == ["Đơn vị", "Cán bộ"]
    assert not errors


async def test_the_evaluator_sees_their_team_in_the_dark_theme(harness, clock, site, browser):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    async with harness.db.session() as s:
        anh_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH002"))
        team = set(await s.scalars(select(Cadre.full_name).where(
            Cadre.evaluator_id == anh_id, Cadre.active.is_(True))))
    await anh.send("📈 Tổng hợp")
    digest = next(m.text for m in reversed(anh.fake.messages)
                  if "Tổng hợp" in (m.text or "") and "anh/chị đánh giá" in (m.text or ""))
    sent, total = re.search(r"Đã gửi: (\d+)/(\d+)", digest).groups()

    page, errors = await open_as(browser, site, anh, clock, theme=DARK)
    await page.locator("#figures").wait_for()
    tabs = await page.locator("#tabs button").all_inner_texts()
    assert tabs == ["Nhóm của tôi", "Năm của tôi"]  # nothing of the province
    assert f"{sent}/{total}" in await page.locator("#figures").inner_text()
    rows = await page.locator("#team tr td:first-child").all_inner_texts()
    assert {row.splitlines()[0] for row in rows} == team
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(23, 33, 43)"
    await shot(page, "evaluator-team")

    async with page.expect_download() as download_info:
        await page.locator("#excel").click()
    download = await download_info.value
    workbook = openpyxl.load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
    assert {row[1] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)} \
        == team
    await page.locator("#tabs button", has_text="Năm của tôi").click()
    await page.locator("h1", has_text="Năm của tôi").wait_for()
    await shot(page, "evaluator-year")
    assert not errors


async def test_without_init_data_the_page_says_to_open_it_from_telegram(
        harness, clock, site, browser):
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    await page.goto(site)
    await page.locator(".error").wait_for()
    assert "phải được mở từ menu của bot" in await page.locator(".error").inner_text()
