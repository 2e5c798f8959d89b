"""The wheel works on its own: built from this tree, installed into an empty environment
outside it, it upgrades a database, imports the example files it carries, runs the sandbox
and writes an export — the way an IT office installs it (`pip install cadrebot-….whl`).

Offline: the wheel is built without build isolation and installed without its
dependencies; the new environment finds those in this test environment's site-packages
(as a plain path entry: the editable install of the source tree there stays invisible)."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args: list, cwd: Path, env: dict, stdin: str | None = None,
        timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, input=stdin,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "CADREBOT_", "DATABASE_URL", "PYTHON"))}
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", work / "dist", ROOT], cwd=work, env=env)
    wheel = next((work / "dist").glob("cadrebot-*.whl"))
    run([sys.executable, "-m", "venv", work / "venv"], cwd=work, env=env)  # its own pip: offline
    venv_python = work / "venv" / "bin" / "python"
    run([venv_python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", wheel],
        cwd=work, env=env)
    # only now the dependencies: a pip that saw this environment's editable install of the
    # tree would uninstall it from here
    target = Path(run([venv_python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                       "['purelib'])"], cwd=work, env=env).stdout.strip())
    (target / "test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = work / "office"
    home.mkdir()
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{home}/cadrebot.db"
    return wheel, work / "venv" / "bin", home, env


def test_the_wheel_carries_migrations_catalogue_examples_and_licence(installed):
    wheel = installed[0]
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("bot/_data/migrations/versions/0001_") for n in names)
    assert "bot/_data/migrations/env.py" in names
    assert "bot/_data/locales/vi/LC_MESSAGES/messages.mo" in names
    assert "bot/_data/examples/danh_sach_can_bo.xlsx" in names
    assert "bot/forms/templates/" in "".join(names)
    # the dashboard's page: no CDN, so every file of it ships in the wheel
    assert {"handlers/webapp_static/index.html", "handlers/webapp_static/app.js",
            "handlers/webapp_static/app.css"} <= set(names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    metadata = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "License-Expression: MIT" in metadata


def test_installed_outside_the_tree_it_upgrades_imports_runs_the_sandbox_and_exports(installed):
    _wheel, bin_dir, home, env = installed
    where = run([bin_dir / "python", "-c", "import bot, bot.resources as r; print(bot.__file__);"
                 "print(r.data_dir('examples'))"], cwd=home, env=env).stdout.split()
    assert not where[0].startswith(str(ROOT)) and not where[1].startswith(str(ROOT))
    examples = Path(where[1])

    upgraded = run([bin_dir / "cadrebot", "db", "upgrade"], cwd=home, env=env)
    assert "Traceback" not in upgraded.stderr
    current = run([bin_dir / "cadrebot", "db", "current"], cwd=home, env=env)
    head = sorted(p.name[:4] for p in (ROOT / "migrations" / "versions").glob("0*.py"))[-1]
    assert head in current.stdout, current.stdout
    for kind, name in (("units", "don_vi.xlsx"), ("catalogue", "danh_muc_san_pham.xlsx"),
                       ("roster", "danh_sach_can_bo.xlsx"), ("training", "yeu_cau_boi_duong.xlsx")):
        imported = run([bin_dir / "cadrebot", "import", kind, examples / name], cwd=home, env=env)
        assert "Thêm mới" in imported.stdout, imported.stdout  # Vietnamese from the .mo

    chat = run([bin_dir / "cadrebot", "sandbox", "--as", "cadre"], cwd=home, env=env,
               stdin="/trogiup\n")
    assert "Báo cáo KPI" in chat.stdout and "Traceback" not in chat.stdout + chat.stderr

    run([bin_dir / "cadrebot", "export", "evaluations", "--period", "2026-11", "-o",
         home / "danh_gia.xlsx"], cwd=home, env=env)
    assert zipfile.is_zipfile(home / "danh_gia.xlsx")
