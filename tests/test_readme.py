"""The README's curl walkthrough, run as written against a live demo server."""

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _walkthrough() -> str:
    text = README.read_text()
    section = text.split("## Walkthrough", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo_server(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "demo", "--demo-database",
         f"sqlite:///{tmp_path}/demo.sqlite3", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
    )
    tokens = {}
    try:
        for line in server.stdout:
            found = re.match(r"^(\w+)@\S+\s.*\s(acc_\S+)$", line.strip())
            if found:
                tokens[found.group(1)] = found.group(2)
            if "serving on" in line:
                break
        else:
            pytest.fail("the demo server did not start")
        yield port, tokens
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_walkthrough_resolves_a_dispute_with_curl_alone(demo_server):
    port, tokens = demo_server
    script = _walkthrough().replace("127.0.0.1:5000", f"127.0.0.1:{port}")
    for name in ("alice", "carla", "audrey"):
        script = script.replace(f"<{name}'s token>", tokens[name])
    script = script.replace("curl -sf", "curl -sf --retry 5 --retry-connrefused")
    result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    answers = [json.loads(line) for line in result.stdout.replace("}{", "}\n{").splitlines() if line.strip()]
    resolved = [a for a in answers if a.get("state") == "resolved"]
    assert resolved and resolved[-1]["resolution"]["option_id"] == 19
    assert answers[-1]["ok"] is True
