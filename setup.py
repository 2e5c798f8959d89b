"""Packaging hook: the wheel carries the migrations, the compiled Vietnamese catalogue and
the example files as package data under bot/_data/ (found at run time through
importlib.resources, see bot/resources.py). The top-level migrations/, locales/ and
examples/ stay the sources; a source checkout (and an editable install) reads them there."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "bot" / "_data"
        if target.exists():
            shutil.rmtree(target)
        for name in ("migrations", "examples", "locales"):
            shutil.copytree(ROOT / name, target / name, ignore=IGNORED)
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in (target / "locales").rglob("*.po"):
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=po.parent.parent.name)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            po.with_suffix(".mo").write_bytes(buffer.getvalue())


setup(cmdclass={"build_py": BuildWithData})
