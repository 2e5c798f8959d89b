"""🖥 Bảng điều khiển in the chat: the item is in the menu only when the dashboard is set up
(CADREBOT_WEBAPP_URL), and it answers with a button that opens the Mini App — an inline
button, so that Telegram hands the page its signed initData."""

from __future__ import annotations

import pytest

from handlers.screens import menu as menu_screens
from tests.test_flow_notices import province

URL = "https://bot.tinh.gov.vn/app/"


@pytest.fixture
def dashboard_url():
    menu_screens.set_dashboard_url(URL)
    yield URL
    menu_screens.set_dashboard_url(None)


async def test_without_the_setting_there_is_no_dashboard_item(harness, clock):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await ha.send("/start")
    assert "🖥 Bảng điều khiển" not in ha.keyboard_labels()
    assert "bangdieukhien" not in [c.command for c in menu_screens.bot_commands()]
    await ha.send("/bangdieukhien")
    assert "Bot này chưa được cài đặt bảng điều khiển." in ha.last.text


async def test_everyone_linked_gets_the_button_for_the_views_open_to_them(
        harness, clock, dashboard_url):
    thao, anh, ha, truong, tuan = await province(harness, clock)
    await ha.send("/start")
    assert "🖥 Bảng điều khiển" in ha.keyboard_labels()
    assert "bangdieukhien" in [c.command for c in menu_screens.bot_commands()]
    await ha.send("🖥 Bảng điều khiển")
    assert "toàn tỉnh và từng đơn vị, thông báo" in ha.last.text
    button = ha.last.inline_buttons[0][0]
    assert button.text == "🖥 Mở bảng điều khiển" and button.web_app == URL
    assert button.callback_data is None

    await anh.send("🖥 Bảng điều khiển")
    assert "những người anh/chị đánh giá" in anh.last.text
    assert "toàn tỉnh" not in anh.last.text
    await thao.send("/bangdieukhien")
    assert thao.last.text == ("🖥 Bảng điều khiển cho xem kết quả cả năm của anh/chị, kèm biểu "
                              "đồ và tải Excel.")
    assert thao.last.inline_buttons[0][0].web_app == URL
    await thao.send("❓ Trợ giúp")
    assert "<b>🖥 Bảng điều khiển</b> (/bangdieukhien)" in thao.last.text


async def test_the_teams_open_in_the_chat_link_opens_the_report_to_approve(harness, clock):
    """The dashboard's "✅ Mở trong khung chat" opens t.me/<bot>?start=rv_<cadre>_<period>:
    the evaluator lands on the report's approval screen; anyone else is refused."""
    from sqlalchemy import select

    from models import Cadre, Entry
    from tests.test_flow_report import fill_and_submit

    thao, anh, ha, truong, tuan = await province(harness, clock)
    await thao.send("📝 Báo cáo KPI")
    await fill_and_submit(thao)
    async with harness.db.session() as s:
        thao_id = await s.scalar(select(Cadre.id).where(Cadre.code == "XTH004"))
        period_id = await s.scalar(select(Entry.period_id).where(Entry.cadre_id == thao_id))
    link = f"rv_{thao_id}_{period_id}"

    await anh.send(f"/start {link}")
    assert "Thảo" in anh.last.text and "Duyệt" in " ".join(anh.buttons())
    await truong.send(f"/start {link}")  # not her evaluator
    assert "Duyệt" not in " ".join(truong.buttons())
    assert "Thảo" not in truong.last.text
    await thao.send(f"/start rv_{thao_id}_999999")
    assert "Duyệt" not in " ".join(thao.buttons())
