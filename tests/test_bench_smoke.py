"""Smoke-size runs of the benchmarks in bench/, so they cannot rot."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_roster_benchmark_smoke():
    result = subprocess.run([sys.executable, str(ROOT / "bench/import_roster.py"), "--rows", "300"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "roster import: 300 rows" in result.stdout
