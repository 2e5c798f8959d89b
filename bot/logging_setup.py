"""Logging that never shows the bot token, full phone numbers or message bodies."""

from __future__ import annotations

import logging
import re

PHONE_RE = re.compile(r"(?<!\d)(\+?84|0)(\d{6,8})(\d{3})(?!\d)")
TOKEN_RE = re.compile(r"\d{5,12}:[A-Za-z0-9_-]{20,}")


_SECRETS: list[str] = []  # the token, once settings are read: redact() hides it everywhere


def redact(text: str, secrets: list[str] | None = None) -> str:
    """A line fit to print or log: no bot token (configured or token-shaped), no full phone
    number."""
    for secret in [*(secrets or []), *_SECRETS]:
        if secret:
            text = text.replace(secret, "***")
            head, sep, tail = secret.partition(":")
            if sep and tail:
                text = text.replace(tail, "***")
    text = TOKEN_RE.sub("***", text)
    return PHONE_RE.sub(lambda m: "*" * (len(m.group(1)) + len(m.group(2))) + m.group(3), text)


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s]

    def redact(self, text: str) -> str:
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and record.exc_text is None and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return True


OWN_LOGGERS = ("bot", "handlers", "models", "__main__")


def setup_logging(level: str = "INFO", secrets: list[str] | None = None) -> None:
    """DEBUG applies to the bot's own loggers only: libraries log request parameters and SQL
    arguments at DEBUG (message bodies, phone numbers), so they stay at INFO or above."""
    _SECRETS[:] = [s for s in (secrets or []) if s]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    redactor = RedactingFilter(secrets)
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    wanted = logging.getLevelName(level.upper())
    root.setLevel(max(wanted, logging.INFO))
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(wanted)
    # httpx logs every request URL, and Bot API URLs carry the token.
    for name in ("httpx", "httpcore", "apscheduler", "alembic", "aiosqlite", "asyncpg",
                 "sqlalchemy", "tornado.access"):
        logging.getLogger(name).setLevel(logging.WARNING)
