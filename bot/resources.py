"""Where the files that ship with the program are: the Alembic migrations, the Vietnamese
catalogue and the example import files. An installed wheel carries them as package data
(bot/_data/, built by setup.py); a source checkout or an editable install reads the
top-level folders, which are their sources."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SOURCE_ROOT = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """The folder `name` (migrations, locales, examples) as a real path."""
    packaged = resources.files("bot").joinpath("_data", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return SOURCE_ROOT / name
