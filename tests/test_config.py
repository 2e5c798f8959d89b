import subprocess
import sys

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ["TELEGRAM_BOT_TOKEN", "DATABASE_URL", "CADREBOT_TIMEZONE", "CADREBOT_LISTEN",
                 "CADREBOT_WEBHOOK_URL", "CADREBOT_WEBHOOK_SECRET", "TELEGRAM_API_BASE_URL"]:
        monkeypatch.delenv(name, raising=False)


def test_defaults():
    settings = load_settings()
    assert settings.token is None
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.webhook_url is None


def test_env_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=123456:ABCdef\nCADREBOT_LISTEN=0.0.0.0:9000\n", encoding="utf-8"
    )
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@h/db")
    settings = load_settings()
    assert settings.token == "123456:ABCdef"
    assert settings.listen_port == 9000
    assert settings.database_url.startswith("postgresql")
    assert "ABCdef" not in repr(settings)  # the token is a secret even in repr


@pytest.mark.parametrize(
    "name,value,fragment",
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token", "TELEGRAM_BOT_TOKEN"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("CADREBOT_TIMEZONE", "Mars/Base", "CADREBOT_TIMEZONE"),
        ("CADREBOT_LISTEN", "nowhere", "CADREBOT_LISTEN"),
        ("CADREBOT_WEBHOOK_URL", "ftp://x", "CADREBOT_WEBHOOK_URL"),
    ],
)
def test_invalid_values_give_one_vietnamese_line(monkeypatch, name, value, fragment):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert fragment in message and "không hợp lệ" in message
    assert "\n" not in message


def test_cli_reports_bad_config_without_traceback(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "mysql://nope", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().startswith("Lỗi: cấu hình DATABASE_URL không hợp lệ")
