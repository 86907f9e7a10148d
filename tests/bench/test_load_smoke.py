"""bench/load.py in its tiny --quick mode, so that the load benchmark cannot rot: a few
journeys against the real server in its own processes, and every check after them must
pass. Timings are printed but never judged here.

On the PostgreSQL run of the suite (ACCORD_TEST_DATABASE_URL set) it runs gunicorn on
PostgreSQL, creating and dropping a database of its own there; otherwise `accord serve`
on a SQLite file.
"""

import os
import subprocess
import sys
from pathlib import Path

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"
CHECKS = 8


def test_a_quick_load_run_passes_every_check():
    postgres_url = os.environ.get("ACCORD_TEST_DATABASE_URL")
    database = ["--database", "postgres", "--postgres-url", postgres_url] if postgres_url else ["--database", "sqlite"]
    result = subprocess.run([sys.executable, str(LOAD), "--quick", *database],
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    verdicts = [line.split()[0] for line in result.stdout.splitlines() if line.startswith(("  PASS ", "  FAIL "))]
    assert verdicts == ["PASS"] * CHECKS, output[-6000:]
