"""Developer tool: re-extract messages and merge them into messages.po.

    .venv/bin/python scripts/i18n_sync.py            # extract + update, list untranslated
    .venv/bin/python scripts/i18n_sync.py --fill F   # also take translations from F (JSON
                                                     # object msgid -> msgstr)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locales/vi/LC_MESSAGES/messages.po"
POT = ROOT / "locales/messages.pot"
PYBABEL = str(Path(sys.executable).with_name("pybabel"))


def main(argv: list[str]) -> int:
    subprocess.run(
        [PYBABEL, "extract", "-F", "babel.cfg", "-k", "_", "-k", "N_", "-k", "ngettext:1,2",
         "--sort-output", "--project=cadrebot", "-o", str(POT), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    if PO.exists():
        subprocess.run(
            [PYBABEL, "update", "-i", str(POT), "-o", str(PO), "-l", "vi", "--no-fuzzy-matching",
             "--ignore-obsolete"],
            cwd=ROOT, check=True, capture_output=True,
        )
    else:
        subprocess.run([PYBABEL, "init", "-i", str(POT), "-o", str(PO), "-l", "vi"],
                       cwd=ROOT, check=True, capture_output=True)
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="vi")
    if "--fill" in argv:
        fills = json.loads(Path(argv[argv.index("--fill") + 1]).read_text(encoding="utf-8"))
        for message in catalog:
            if message.id and isinstance(message.id, str) and message.id in fills:
                message.string = fills[message.id]
                message.flags.discard("fuzzy")
            elif message.id and isinstance(message.id, tuple) and message.id[0] in fills:
                message.string = tuple(fills[message.id[0]])
                message.flags.discard("fuzzy")
        catalog.fuzzy = False
    with PO.open("wb") as handle:  # always the same width: a sync alone rewraps nothing
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    missing = [m.id for m in catalog if m.id and (not m.string or "fuzzy" in m.flags
               or (isinstance(m.string, tuple) and not all(m.string)))]
    for msgid in missing:
        print(json.dumps(msgid if isinstance(msgid, str) else msgid[0], ensure_ascii=False))
    print(f"{len(missing)} untranslated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
