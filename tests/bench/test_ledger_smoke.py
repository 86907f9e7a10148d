"""bench/ledger.py with tiny sizes, so that the ledger benchmark cannot rot: every figure is
printed, the proofs check and verification passes. Timings are printed, never judged.

The benchmark measures PostgreSQL's per-chain locks, so it runs only on the PostgreSQL run
of the suite (ACCORD_TEST_DATABASE_URL set), creating and dropping a database of its own.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

LEDGER = Path(__file__).resolve().parents[2] / "bench" / "ledger.py"
FIGURES = ("1 writer, 1 account", "2 writers, own accounts", "4 writers, own accounts",
           "2 writers, all on account 1", "4 writers, all on account 1", "integrated", "checkpoint signed",
           "note signing alone", "inclusion proofs", "consistency proofs", "ledger.verify()", "hashlib alone",
           "hashlib with tree", "material and hash")


@pytest.mark.skipif(not os.environ.get("ACCORD_TEST_DATABASE_URL"),
                    reason="PostgreSQL only (ACCORD_TEST_DATABASE_URL)")
def test_a_tiny_ledger_run_prints_every_figure_and_verifies():
    sizes = ["--seconds", "0.3", "--rounds", "1", "--events", "300", "--batch", "100", "--proofs", "20"]
    result = subprocess.run([sys.executable, str(LEDGER), "--postgres-url", os.environ["ACCORD_TEST_DATABASE_URL"],
                             *sizes], capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    missing = [figure for figure in FIGURES if f"  {figure} " not in result.stdout]
    assert not missing, output[-6000:]
    assert result.stdout.count("x one writer") == 4, result.stdout
    assert "10 of each checked against the root: PASS" in result.stdout
    assert "Verification of " in result.stdout and ": PASS" in result.stdout
