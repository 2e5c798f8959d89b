"""What the operator reads after a wrongly written command line: one Vietnamese line
(SPEC §9) instead of typer's English usage block.

typer 0.29 ships its own copy of click (`typer._click`, pinned in constraints.txt); its
usage errors carry the facts (which option, which parameter, which context), so the
sentence is rebuilt here from those rather than translated from the English text.
"""

from __future__ import annotations

import re

from typer._click import exceptions as usage

from bot.i18n import _

_NO_COMMAND = re.compile(r"No such command '(?P<name>.*)'\.")
_EXTRA = re.compile(r"Got unexpected extra argument\(s\) \((?P<extra>.*)\)")


def _name(exc: usage.BadParameter) -> str:
    """The option (--period) or argument (cadre_code) the error is about."""
    if exc.param is not None:
        if exc.param.param_type_name == "argument":  # as the help names it: MÃ_CÁN_BỘ, TỆP
            return exc.param.metavar or (exc.param.name or "").upper()
        opts = getattr(exc.param, "opts", None)
        return " / ".join(opts) if opts else (exc.param.name or "").upper()
    hint = exc.param_hint
    if isinstance(hint, str):
        return hint.strip("'")
    return " / ".join(hint or [])


def usage_error_line(exc: usage.UsageError) -> str:
    """One line: what is wrong, and where to read how the command is written."""
    command = exc.ctx.command_path if exc.ctx is not None else "cadrebot"
    message = exc.message or ""
    if isinstance(exc, usage.NoSuchOption):
        what = _("there is no option {option}").format(option=exc.option_name)
        if exc.possibilities:
            what += _(" (did you mean {options}?)").format(
                options=", ".join(sorted(exc.possibilities)))
    elif isinstance(exc, usage.MissingParameter):
        if (exc.param_type or getattr(exc.param, "param_type_name", "")) == "option":
            what = _("the option {name} is missing").format(name=_name(exc))
        else:
            what = _("the value {name} is missing").format(name=_name(exc))
    elif isinstance(exc, usage.BadParameter):
        what = _("the value given for {name} is not valid").format(name=_name(exc))
    elif isinstance(exc, usage.BadOptionUsage):
        if "does not take a value" in message:
            what = _("the option {option} takes no value").format(option=exc.option_name)
        else:
            what = _("the option {option} needs a value").format(option=exc.option_name)
    elif match := _NO_COMMAND.fullmatch(message):
        what = _("there is no command “{name}”").format(name=match["name"])
    elif match := _EXTRA.fullmatch(message):
        what = _("too many values: {extra}").format(extra=match["extra"])
    elif message == "Missing command.":
        what = _("a command is missing")
    else:
        what = _("the command is not written correctly")
    return _("Error: {message}. How to write it: {command} --help").format(
        message=what, command=command)
