"""End to end: `cadrebot run` as a subprocess against the HTTP emulator, and the sandbox."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.emulator import Emulator
from bot.sandbox.server import EmulatorServer

TOKEN = "424242:E2E-test-token-not-real-xyz"
ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CADREBOT_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/e2e.db",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


async def _seed(url: str) -> None:
    from bot.clock import Clock
    from bot.db import Database
    from bot.demo import load_demo_province
    from bot.migrate import upgrade_engine

    db = Database(url)
    await upgrade_engine(db.engine)
    async with db.session() as s:
        await load_demo_province(s, Clock().now(), link=False)
    await db.dispose()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_cadrebot_run_links_a_cadre_over_http(tmp_path, mode, unused_tcp_port):
    await _seed(f"sqlite+aiosqlite:///{tmp_path}/e2e.db")
    emulator = Emulator(token=TOKEN, bot_username="e2e_bot")
    async with EmulatorServer(emulator) as server:
        extra = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.base_url,
            "TELEGRAM_API_FILE_URL": server.base_file_url,
        }
        if mode == "webhook":
            extra.update(
                CADREBOT_WEBHOOK_URL=f"http://127.0.0.1:{unused_tcp_port}/hook",
                CADREBOT_WEBHOOK_SECRET="s3cret-webhook",
                CADREBOT_LISTEN=f"127.0.0.1:{unused_tcp_port}",
            )
        log_path = tmp_path / "bot.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, env=_env(tmp_path, **extra),
                stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            # The bot is up when it has published its commands.
            for _ in range(200):
                if emulator.commands:
                    break
                assert proc.poll() is None, log_path.read_text()
                await asyncio.sleep(0.1)
            assert [c["command"] for c in emulator.commands][:2] == ["start", "baocao"]
            if mode == "webhook":
                for _ in range(100):
                    if any(c.method == "setWebhook" for c in emulator.calls):
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.5)
            thao = emulator.user(user_id=777, first_name="Thảo", phone="+84912000015")
            thao.text("/start")
            await emulator.wait_idle(quiet=0.5, timeout=20)
            assert "Chia sẻ số điện thoại" in thao.last.text
            thao.tap("📱 Chia sẻ số điện thoại")
            await emulator.wait_idle(quiet=0.5, timeout=20)
            assert "Chào mừng Đinh Thị Thảo" in thao.last.text
            if mode == "webhook":  # what a load balancer and a forger see
                import httpx

                base = f"http://127.0.0.1:{unused_tcp_port}"
                async with httpx.AsyncClient() as client:
                    health = await client.get(f"{base}/healthz")
                    forged = await client.post(f"{base}/hook", json={"update_id": 1})
                assert health.status_code == 200 and health.json()["status"] == "ok"
                assert forged.status_code == 403
        finally:
            proc.terminate()
            returncode = proc.wait(timeout=20)
        output = log_path.read_text()
        assert returncode == 0, output  # SIGTERM is a graceful stop
        assert TOKEN not in output and TOKEN.split(":")[1] not in output
        assert "912000015" not in output


def test_sandbox_reads_stdin_and_exits_at_eof(tmp_path):
    script = "📝 Báo cáo KPI\n#1\n12\n/trogiup\n"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "sandbox", "--as", "supervisor", "--db",
         str(tmp_path / "sb.db")],
        input=script, capture_output=True, text=True, cwd=tmp_path, env=_env(tmp_path),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Phan Thị Ngọc Ánh" in out or "Ánh" in out
    assert "✅ Phê duyệt" in out  # the supervisor's menu, numbered
    assert "Báo cáo KPI — Tháng" in out
    assert "[#1] ✏️ 1. Văn bản chỉ đạo" in out  # buttons are numbered; "#1" tapped it
    assert "Anh/chị đã hoàn thành bao nhiêu văn bản?" in out
    assert "Trong 12 đã hoàn thành" in out
    assert "Hướng dẫn sử dụng" in out


def test_run_without_token_starts_the_sandbox(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"], input="", capture_output=True, text=True,
        cwd=tmp_path, env=_env(tmp_path), timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Chưa đặt TELEGRAM_BOT_TOKEN" in result.stdout


async def test_the_sandbox_terminal_shows_the_pop_up_a_tap_is_answered_with():
    from bot.sandbox.emulator import Emulator
    from bot.sandbox.terminal import Chat, Terminal

    emulator = Emulator(token="1:x", bot_username="b")
    user = emulator.user(1, "Thảo")
    shown: list[str] = []

    async def lines():
        yield "📤 Gửi duyệt"

    async def bot_answers(update):  # what the bot does with the tap: a pop-up, no new message
        if update is not None:
            user.alerts.append("Các sản phẩm sau chưa nhập đủ số liệu: Hồ sơ một cửa.")

    chat = Chat(user, "Thảo")
    await Terminal(emulator, [chat], chat, shown.append, bot_answers).run(lines())
    assert shown[-1] == "💬 Các sản phẩm sau chưa nhập đủ số liệu: Hồ sơ một cửa."


async def test_a_refused_token_is_one_vietnamese_line_without_the_token(tmp_path):
    """A revoked token or a wrong TELEGRAM_API_BASE_URL: `cadrebot run` and `cadrebot digest
    --send` print one line that names the variable, never the token, and exit non-zero."""
    await _seed(f"sqlite+aiosqlite:///{tmp_path}/e2e.db")
    emulator = Emulator(token="111111:the-emulator-knows-another-token", bot_username="e2e_bot")
    wrong = "999999:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-wrong"
    async with EmulatorServer(emulator) as server:
        env = _env(tmp_path, TELEGRAM_BOT_TOKEN=wrong,
                   TELEGRAM_API_BASE_URL=server.base_url,
                   TELEGRAM_API_FILE_URL=server.base_file_url)
        for args in (["run"], ["digest", "--board", "--send"]):
            result = await asyncio.to_thread(
                subprocess.run, [sys.executable, "-m", "bot.cli", *args], capture_output=True,
                text=True, cwd=tmp_path, env=env, timeout=120)
            output = result.stdout + result.stderr
            assert result.returncode == 1, output
            assert wrong not in output and wrong.split(":")[1] not in output
            assert "Traceback" not in output
            assert result.stderr.strip().splitlines()[-1] == (
                "Lỗi: Telegram từ chối mã bot: kiểm tra TELEGRAM_BOT_TOKEN (và "
                "TELEGRAM_API_BASE_URL)."), output


def test_an_unreachable_telegram_is_retried_then_one_line():
    from bot.app import StartupError, check_telegram
    from tests.harness import make_settings

    waits: list[float] = []
    settings = make_settings(TELEGRAM_API_BASE_URL="http://127.0.0.1:1/bot")
    with pytest.raises(StartupError) as error:
        check_telegram(settings, attempts=3, sleep=waits.append)
    assert waits == [1, 2]  # back-off between attempts
    assert str(error.value) == ("Không kết nối được tới máy chủ Telegram (http://127.0.0.1:1): "
                                "kiểm tra mạng và TELEGRAM_API_BASE_URL.")
