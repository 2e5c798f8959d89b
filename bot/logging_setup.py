"""Logging that never shows the bot token, full phone numbers or message bodies."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.i18n import N_, _

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
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


QUIET_LIBRARIES = ("httpx", "httpcore", "aiohttp", "apscheduler", "alembic", "aiosqlite", "asyncpg",
                   "sqlalchemy", "tornado.access")


# ---------------------------------------------------------------- the sandbox's chat
# The bot's own warnings and errors, as a person trying the sandbox reads them. The English
# templates are the ones the modules log (same text, so a translation is found); a message
# not listed here keeps its words under a Vietnamese label.
CHAT_LOG_MESSAGES = (
    N_("error handling update %s (%s, chat %s)"),
    N_("could not tell chat %s about the error"),
    N_("error outside an update"),
    N_("%s failed (%s), attempt %d; trying again in %.1f s"),
    N_("reminder %s/%s not sent: %s"),
    N_("outbox tick failed"),
    N_("scheduler heartbeat failed"),
    N_("database unavailable (%s); retrying with back-off"),
)


def chat_log_line(record: logging.LogRecord) -> str:
    """One line for the sandbox's chat: a Vietnamese label, the message translated when its
    template is known, never a traceback (the log file has it)."""
    template = record.msg if isinstance(record.msg, str) else str(record.msg)
    translated = _(template) if template else template
    try:
        message = translated % record.args if record.args else translated
    except (TypeError, ValueError, KeyError):
        message = record.getMessage()
    label = _("⚠️ Bot warning") if record.levelno < logging.ERROR else _("❗ Bot error")
    return f"{label}: {redact(message)}"


class ChatLogHandler(logging.Handler):
    """Writes WARNING and above into the sandbox's chat."""

    def __init__(self, write) -> None:
        super().__init__(logging.WARNING)
        self.write = write

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(chat_log_line(record))
        except Exception:  # noqa: BLE001 - logging must never break the chat
            self.handleError(record)


@contextmanager
def chat_logging(write, log_file: Path | None = None) -> Iterator[None]:
    """While the sandbox runs: only warnings and errors reach its chat (one Vietnamese line
    each); everything from INFO, with tracebacks, goes to `log_file`. The previous logging
    setup is restored afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {name: logging.getLogger(name).level
                    for name in (*OWN_LOGGERS, *QUIET_LIBRARIES)}
    for old in saved_handlers:
        root.removeHandler(old)
    redactor = RedactingFilter(list(_SECRETS))
    chat = ChatLogHandler(write)
    chat.addFilter(redactor)
    root.addHandler(chat)
    file_handler = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        file_handler.addFilter(redactor)
        root.addHandler(file_handler)
    root.setLevel(logging.INFO if file_handler else logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("tornado.access").setLevel(logging.CRITICAL)  # the emulator's requests
    try:
        yield
    finally:
        root.removeHandler(chat)
        if file_handler is not None:
            root.removeHandler(file_handler)
            file_handler.close()
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_levels.items():
            logging.getLogger(name).setLevel(level)
