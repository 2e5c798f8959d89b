"""Developer/CI tool: pin every direct dependency of pyproject.toml to the lowest version
its range allows (`name>=X` → `name==X`), so `make test-lowest` checks that the ranges we
publish really work at their bottom.

    python scripts/lowest_constraints.py > .venv-lowest/constraints.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def lowest_pins(dependencies: list[str]) -> list[str]:
    pins = []
    for requirement in dependencies:
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*([^;]*)", requirement)
        name, specifiers = match.group(1), match.group(3)
        floor = re.search(r">=\s*([0-9][^,\s]*)", specifiers)
        if floor:
            pins.append(f"{name}=={floor.group(1)}")
    return pins


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sys.stdout.write("\n".join(lowest_pins(project["dependencies"])) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
