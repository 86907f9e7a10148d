"""bench/notify.py with a few people, so that the notification benchmark cannot rot: every
person gets their mails and a second run sends nothing. Timings are printed, never judged."""

import os
import subprocess
import sys
from pathlib import Path

NOTIFY = Path(__file__).resolve().parents[2] / "bench" / "notify.py"


def test_a_small_notify_run_passes():
    postgres_url = os.environ.get("ACCORD_TEST_DATABASE_URL")
    database = ["--database", "postgresql", "--postgres-url", postgres_url] if postgres_url else ["--database",
                                                                                                  "sqlite"]
    result = subprocess.run([sys.executable, str(NOTIFY), "--people", "60", *database],
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "PASS: every person got one mail at once and one digest; the second run sent nothing" in result.stdout
    assert "a second run                        0 mails composed, 0 sent" in result.stdout
