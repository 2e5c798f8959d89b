"""What every operator command shares (bot.cli and its sub-commands, such as bot.cli_import):
the one-line error and the settings, loaded with logging set up."""

from __future__ import annotations

from bot.config import Settings, load_settings
from bot.logging_setup import setup_logging


class CliError(Exception):
    """Shown to the operator as one line; exit code 1."""


def operator_settings() -> Settings:
    settings = load_settings()
    setup_logging(settings.log_level, secrets=[settings.token or ""])
    return settings
