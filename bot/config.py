"""Runtime configuration from the environment or `.env` (SPEC §9)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n import _
from bot.validation_errors import describe

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/cadrebot.db"


class ConfigError(Exception):
    """A configuration value is invalid; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    telegram_api_file_url: str = Field(
        default="https://api.telegram.org/file/bot", alias="TELEGRAM_API_FILE_URL"
    )
    database_url: str = Field(default=DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", alias="CADREBOT_TIMEZONE")
    webhook_url: str | None = Field(default=None, alias="CADREBOT_WEBHOOK_URL")
    webhook_secret: SecretStr | None = Field(default=None, alias="CADREBOT_WEBHOOK_SECRET")
    listen: str = Field(default="127.0.0.1:8443", alias="CADREBOT_LISTEN")
    policy_file: Path | None = Field(default=None, alias="CADREBOT_POLICY_FILE")
    # A folder with the province's own form templates (same file names as bot/forms/templates).
    forms_dir: Path | None = Field(default=None, alias="CADREBOT_FORMS_DIR")
    log_level: str = Field(default="INFO", alias="CADREBOT_LOG_LEVEL")
    # After how long the claim of a process that died is given to another (or a restart).
    # A person sending more updates than this in 3 seconds is slowed down.
    flood_max_updates: int = Field(default=12, ge=1, alias="CADREBOT_FLOOD_MAX_UPDATES")
    outbox_stale_seconds: int = Field(default=120, ge=5, alias="CADREBOT_OUTBOX_STALE_SECONDS")
    # Messages per second for broadcasts, shared by every bot process (Telegram: ~30/s).
    broadcast_rate: float = Field(default=28.0, gt=0, le=1000, alias="CADREBOT_BROADCAST_RATE")
    # Updates of different chats handled at once by one process (0 = 1 on SQLite, 4 otherwise).
    concurrent_updates: int = Field(default=0, ge=0, le=256, alias="CADREBOT_CONCURRENT_UPDATES")
    # The process running the scheduler renews its lease; others take over when it lapses.
    scheduler_lease_seconds: int = Field(default=40, ge=3, le=600,
                                         alias="CADREBOT_SCHEDULER_LEASE_SECONDS")
    webhook_max_connections: int = Field(default=40, ge=1, le=100,
                                         alias="CADREBOT_WEBHOOK_MAX_CONNECTIONS")
    # The dashboard (Telegram Mini App): its public https:// address behind the reverse proxy;
    # unset, there is no dashboard and no web server in polling mode.
    webapp_url: str | None = Field(default=None, alias="CADREBOT_WEBAPP_URL")
    # How old (seconds) the signed data Telegram hands the page may be before it is refused.
    webapp_max_age: int = Field(default=86400, ge=60, le=7 * 86400,
                                alias="CADREBOT_WEBAPP_MAX_AGE")
    # How old a stored board view of the dashboard (the same for every board member) may be
    # when served while its period is open; the refresh job recomputes the period under
    # review twice in that time. A locked period's views are final. 0: always computed.
    webapp_cache_seconds: int = Field(default=600, ge=0, le=86400,
                                      alias="CADREBOT_WEBAPP_CACHE_SECONDS")

    @field_validator("telegram_bot_token", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None):
        if value is not None:
            raw = value.get_secret_value().strip()
            head, sep, tail = raw.partition(":")
            if not (sep and head.isdigit() and tail):
                raise ValueError(_("expected the form 123456789:ABC… given by BotFather"))
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        allowed = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
        if not value.startswith(allowed):
            raise ValueError(_("must start with sqlite+aiosqlite:// or postgresql+asyncpg://"))
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(_("unknown time zone {name}").format(name=value)) from exc
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith("https://") and not value.startswith(
            "http://127.0.0.1"
        ):
            raise ValueError(_("must be an https:// URL"))
        return value

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        # Telegram opens Mini Apps over https only; http://127.0.0.1 is the sandbox's
        if value is not None and not value.startswith(("https://", "http://127.0.0.1",
                                                       "http://localhost")):
            raise ValueError(_("must be an https:// URL"))
        return value.rstrip("/") + "/" if value is not None else None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None):
        # Telegram's secret_token: 1–256 characters A–Z, a–z, 0–9, _ and -
        if value is not None:
            raw = value.get_secret_value()
            if len(raw) > 256 or not all(ch.isascii() and (ch.isalnum() or ch in "_-")
                                         for ch in raw):
                raise ValueError(_("use 1 to 256 characters: letters, digits, _ or -"))
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        # Without it anyone who finds the address can post forged updates (a forged contact
        # would link an arbitrary account to someone's record).
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(_("CADREBOT_WEBHOOK_SECRET is required in webhook mode (a random "
                               "string of 32 or more letters and digits)"))
        return self

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(_("expected HOST:PORT, e.g. 127.0.0.1:8443"))
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def listen_host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def listen_port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value().strip() if self.telegram_bot_token else None

    @property
    def update_concurrency(self) -> int:
        if self.concurrent_updates:
            return self.concurrent_updates
        return 1 if self.is_sqlite else 4

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides) -> Settings:
    """Read settings; raise ConfigError with one readable line on a bad value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = describe(first)
        if not first["loc"]:  # a rule across several variables: its message names them
            raise ConfigError(_("invalid configuration: {message}").format(
                message=message)) from None
        name = str(first["loc"][0])
        field = Settings.model_fields.get(name)
        alias = field.alias if field is not None and field.alias else name
        raise ConfigError(
            _("invalid configuration {name}: {message}").format(name=alias, message=message)
        ) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
