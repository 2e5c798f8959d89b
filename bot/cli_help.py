"""`cadrebot --help` in Vietnamese: the operator's help, written here rather than by typer.

typer 0.29 words its help itself — its copy of click has "Usage: ", "Show this message and
exit." and the types `<bool>`, `<str>` written in the code, not behind gettext, and its rich
layout (typer.rich_utils) reads a few module constants. Translating would mean patching
those in place, which a typer release can change silently. Instead every command and group
of `cadrebot` is built with the two classes below (through `Typer`, a drop-in for
`typer.Typer`), whose `format_help` and `format_usage` lay out the same panels from the
parameters' public attributes, every word through gettext. The help texts themselves are
`help=_("…")` at each command (English msgids, Vietnamese in messages.po).
tests/test_cli_help.py renders every command's help and fails on any English label.
"""

from __future__ import annotations

import shutil

import typer
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from bot.i18n import N_, _

# the type names typer gives (`<int>` from 0.29; click's "integer" in 0.28) as the help shows
# them; a flag shows none
TYPE_NAMES = {"int": N_("integer"), "integer": N_("integer"), "float": N_("number"),
              "str": N_("text"), "text": N_("text"), "path": N_("path"), "file": N_("file"),
              "directory": N_("folder"), "filename": N_("file")}


def _type_name(param: _click.Parameter, ctx: _click.Context) -> str:
    if hasattr(param, "display_type"):  # typer ≥ 0.29
        name = param.display_type(ctx).strip("<>")
    else:  # typer 0.28: click's parameter types
        name = getattr(getattr(param, "type", None), "name", "") or ""
    return name.removesuffix(" range")  # the range itself is told after the help


def _type_label(param: _click.Parameter, ctx: _click.Context) -> str:
    if isinstance(param, TyperOption) and param.is_flag:
        return ""
    if isinstance(param, TyperOption) and param.metavar is not None:
        return param.metavar
    name = _type_name(param, ctx)
    return f"<{_(TYPE_NAMES[name])}>" if name in TYPE_NAMES else (f"<{name}>" if name else "")


def _argument_name(param: TyperArgument) -> str:
    return param.metavar or (param.name or "").upper()


def _usage_pieces(command: _click.Command, ctx: _click.Context) -> list[str]:
    pieces = []
    if any(isinstance(p, TyperOption) for p in command.get_params(ctx)):
        pieces.append(_("[OPTIONS]"))
    for param in command.get_params(ctx):
        if isinstance(param, TyperArgument):
            name = _argument_name(param)
            pieces.append(name if param.required else f"[{name}]")
    if isinstance(command, TyperGroup):
        pieces.append(_("COMMAND [ARGUMENTS]..."))
    return pieces


def _extras(param: _click.Parameter) -> list[str]:
    """[default: …], the allowed range, [required]; numbers as the operator types them
    (2000, not 2.000, which the command would refuse)."""
    extras = []
    default = param.default
    shown = getattr(param, "show_default", True)
    if shown is not False and not param.required \
            and not (isinstance(param, TyperOption) and param.is_flag) \
            and default not in (None, "", (), [], ...) and not callable(default):
        extras.append(_("[default: {value}]").format(value=default))
    bounds = param if hasattr(param, "min") else getattr(param, "type", None)  # 0.29 / 0.28
    low, high = getattr(bounds, "min", None), getattr(bounds, "max", None)
    if low is not None and high is not None:
        extras.append(_("[from {low} to {high}]").format(low=low, high=high))
    elif low is not None:
        extras.append(_("[at least {low}]").format(low=low))
    elif high is not None:
        extras.append(_("[at most {high}]").format(high=high))
    if param.required:
        extras.append(_("[required]"))
    return extras


def _parameter_rows(command: _click.Command, ctx: _click.Context, arguments: bool) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, style="bold cyan")
    table.add_column(no_wrap=True, style="yellow")
    table.add_column(ratio=1)
    help_option = command.get_help_option(ctx)
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False) or isinstance(param, TyperArgument) != arguments:
            continue
        if param is help_option:
            help_text = _("Show this help and exit.")
        else:
            help_text = param.help or ""
        name = _argument_name(param) if arguments else ", ".join(param.opts)
        if param.required:
            name = "* " + name
        extras = " ".join(_extras(param)) if param is not help_option else ""
        table.add_row(name, _type_label(param, ctx),
                      Text(" ".join(filter(None, [help_text, extras]))))
    return table


def _command_rows(group: TyperGroup, ctx: _click.Context) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(no_wrap=True, style="bold cyan")
    table.add_column(ratio=1)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        table.add_row(name, Text((command.help or "").split("\n\n")[0].strip()))
    return table


def render_help(command: _click.Command, ctx: _click.Context) -> str:
    """The help page as text (with colours when the terminal shows them)."""
    width = min(shutil.get_terminal_size((100, 24)).columns, 120)
    console = Console(width=width, highlight=False, soft_wrap=False)
    parts: list = [Padding(Text(command.get_usage(ctx), style="bold"), (1, 1, 1, 1))]
    if command.help:
        parts.append(Padding(Text(command.help.strip()), (0, 1, 1, 1)))
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    if any(isinstance(p, TyperArgument) for p in params):
        parts.append(Panel(_parameter_rows(command, ctx, arguments=True),
                           title=_("Arguments"), title_align="left", border_style="dim"))
    if any(isinstance(p, TyperOption) for p in params):
        parts.append(Panel(_parameter_rows(command, ctx, arguments=False),
                           title=_("Options"), title_align="left", border_style="dim"))
    if isinstance(command, TyperGroup) and command.commands:
        parts.append(Panel(_command_rows(command, ctx), title=_("Commands"),
                           title_align="left", border_style="dim"))
    with console.capture() as captured:
        console.print(Group(*parts))
    return captured.get()


class HelpCommand(TyperCommand):
    """A command whose help and usage line are Vietnamese."""

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(_usage_pieces(self, ctx)),
                              prefix=_("Usage: "))

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write(render_help(self, ctx))


class HelpGroup(TyperGroup):
    """A group of commands whose help and usage line are Vietnamese."""

    def format_usage(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(_usage_pieces(self, ctx)),
                              prefix=_("Usage: "))

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        formatter.write(render_help(self, ctx))


class Typer(typer.Typer):
    """typer.Typer whose groups and commands speak Vietnamese (see the module's docstring)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cls", HelpGroup)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs):
        kwargs.setdefault("cls", HelpCommand)
        return super().command(name, **kwargs)
