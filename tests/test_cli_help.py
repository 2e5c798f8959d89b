"""`cadrebot --help` and every sub-command's help read in Vietnamese (issue #23 §2): the texts
through gettext, and the labels typer would write itself ("Usage", "Options", `<bool>`)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import typer
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from bot.cli import app
from bot.i18n import PO_PATH

# what typer/click write on their own, and must never reach the operator
ENGLISH_LABELS = re.compile(
    r"Usage|Options|Arguments|Commands|Show this message|\[default|\[required|required\]|"
    r"<bool>|<str>|<int|<float>|<path>|\bCOMMAND\b|\[OPTIONS\]|\bARGS\b|Error|Missing argument|"
    r"No such option|Invalid value|Try '")
# help texts that are the values themselves, typed as they are (no translation needed)
LITERALS = re.compile(r"^[a-z-]+( \| [a-z-]+)+$|^[a-z-]+(, [a-z-]+)+$")


def _commands(command: typer.core.TyperGroup, path: tuple[str, ...] = ()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_every_command_is_listed():
    paths = {" ".join(path) for path, _c in COMMANDS}
    assert {"", "import", "import roster", "db upgrade", "export evaluations", "digest",
            "record leave", "year agency-rating"} <= paths
    assert len(paths) >= 35


@pytest.mark.parametrize("path", [path for path, _c in COMMANDS], ids=lambda p: " ".join(p) or "-")
def test_every_help_page_is_vietnamese(path):
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="cadrebot",
                                env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    page = result.output
    assert page.strip().startswith("Cách dùng: cadrebot"), page
    assert "--help" in page and "Hiện hướng dẫn này rồi thoát." in page
    assert not ENGLISH_LABELS.search(page), ENGLISH_LABELS.search(page).group(0) + "\n" + page


@pytest.mark.parametrize("path,command", COMMANDS, ids=lambda p: " ".join(p) if isinstance(p, tuple) else "")
def test_every_help_text_went_through_the_catalogue(path, command):
    """Each text is a Vietnamese msgstr of messages.po: an English msgid that lost its
    translation, or a text written without _(), fails here."""
    with PO_PATH.open("rb") as handle:
        translated = {m.string for m in read_po(handle) if m.string and m.string != m.id}
    texts = [command.help] + [param.help for param in command.params if param.help]
    for text in texts:
        assert text, f"{' '.join(path)}: no help text"
        assert text in translated or LITERALS.match(text), f"{' '.join(path)}: {text!r}"


def cadrebot(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CADREBOT_"))}
    env["COLUMNS"] = "100"
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_help_as_the_operator_runs_it():
    top = cadrebot("--help")
    assert top.returncode == 0, top.stderr
    assert "Cách dùng: cadrebot [TÙY CHỌN] LỆNH [THAM SỐ]..." in top.stdout
    assert "╭─ Lệnh ─" in top.stdout and "╭─ Tùy chọn ─" in top.stdout
    assert not ENGLISH_LABELS.search(top.stdout), top.stdout
    roster = cadrebot("import", "roster", "--help")
    assert "Cách dùng: cadrebot import roster [TÙY CHỌN] TỆP" in roster.stdout
    assert "╭─ Tham số ─" in roster.stdout
    assert re.search(r"--sheet +<chữ>", roster.stdout), roster.stdout
    assert re.search(r"--dry-run +Chỉ cho biết", roster.stdout), roster.stdout  # a flag: no type
    assert not ENGLISH_LABELS.search(roster.stdout), roster.stdout
    group = cadrebot("import")  # a group alone shows its help
    assert "Cách dùng: cadrebot import" in group.stdout + group.stderr
    assert not ENGLISH_LABELS.search(group.stdout + group.stderr)
    demo = cadrebot("demo-data", "--help")
    assert "[mặc định: 2000]" in demo.stdout and "[từ 20 đến 500000]" in demo.stdout
