"""bench/relationship.py with a tiny world, so that the benchmark cannot rot: it builds its
account, measures both views and finds the same number of queries at both sizes. Timings are
printed, never judged."""

import os
import subprocess
import sys
from pathlib import Path

RELATIONSHIP = Path(__file__).resolve().parents[2] / "bench" / "relationship.py"


def test_a_small_relationship_run_counts_the_same_queries_at_both_sizes():
    postgres_url = os.environ.get("ACCORD_TEST_DATABASE_URL")
    database = ["--database", "postgresql", "--postgres-url", postgres_url] if postgres_url else ["--database",
                                                                                                  "sqlite"]
    result = subprocess.run([sys.executable, str(RELATIONSHIP), "--disputes", "40", "--touchpoints", "500",
                             "--repeat", "2", *database], capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "40 disputes, 500 touchpoints" in result.stdout
    assert result.stdout.count("PASS queries") == 4, result.stdout
    assert result.stdout.count("contacts ") == 2, result.stdout
