"""Smoke-size runs of the benchmarks in bench/, so they cannot rot."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_roster_benchmark_smoke():
    result = subprocess.run([sys.executable, str(ROOT / "bench/import_roster.py"), "--rows", "300"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "roster import: 300 rows" in result.stdout
    assert "reading only: python-calamine" in result.stdout


def test_broadcast_benchmark_smoke():
    """60 recipients through `cadrebot run` with a SIGKILL half-way: none lost, ≤ 1 twice."""
    result = subprocess.run([sys.executable, str(ROOT / "bench/broadcast.py"), "--recipients",
                             "60"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lost 0" in result.stdout


def test_digest_benchmark_smoke():
    result = subprocess.run([sys.executable, str(ROOT / "bench/digests.py"), "--cadres", "200",
                             "--months", "1"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "supervisors" in result.stdout and "peak RSS" in result.stdout
    assert "a supervisor's Excel" in result.stdout and "the board's" in result.stdout


def test_throughput_benchmark_smoke():
    result = subprocess.run([sys.executable, str(ROOT / "bench/throughput.py"), "--cadres", "200",
                             "--months", "1", "--users", "6", "--seconds", "3", "--floor",
                             "--single", "--check-bounds",
                             str(ROOT / "bench/statement_bounds.json")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "echo bot:" in result.stdout and "full bot:" in result.stdout
    assert "full / echo throughput" in result.stdout
    # the mix still reaches the entry steps: a product picked and a figure stored
    assert "kpi: pick a product" in result.stdout, result.stdout
    typed = re.search(r"entries typed (\d+)", result.stdout)
    assert typed and int(typed.group(1)) > 0, result.stdout
    assert "echo bot + one read and one write per update" in result.stdout
    calls = result.stdout.split("full bot's Bot API calls per update: ")[1].splitlines()[0]
    assert "sendMessage" in calls and "getUpdates" in calls
    # SQL statements per update of each kind of tap stay within bench/statement_bounds.json
    assert "SQL statements per update within the recorded bounds" in result.stdout


def test_dashboard_benchmark_smoke():
    result = subprocess.run([sys.executable, str(ROOT / "bench/dashboard.py"), "--cadres", "200",
                             "--months", "1", "--runs", "1", "--no-browser"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "served: GET api/overview" in result.stdout and "the refresh" in result.stdout
