"""The server under test: `accord serve` in a process of its own, killed with SIGKILL.

A separate process because the point is to kill it, and because the database handle
(`mediation.db.database`) is global: a server thread inside pytest would share it.
Each server is forked from a process that imported Accord once (forking_server.py), so
that a restart costs milliseconds instead of a second of imports;
ACCORD_CRASH_COLD_START=1 starts `accord serve` afresh every time instead.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.crash.stream import SOCKET_TIMEOUT

ACCORD = Path(sys.executable).with_name("accord")
FORKING_SERVER = Path(__file__).with_name("forking_server.py")
COLD_START = os.environ.get("ACCORD_CRASH_COLD_START") == "1"
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ColdStarts:
    """`accord serve` started afresh each time."""

    def __init__(self, env: dict):
        self.env = env
        self.processes = {}

    def launch(self, port: int, log_path: Path) -> int:
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [str(ACCORD), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        self.processes[process.pid] = process
        return process.pid

    def exited(self, pid: int) -> bool:
        return self.processes[pid].poll() is not None

    def reap(self, pid: int) -> None:
        self.processes.pop(pid).wait()

    def close(self) -> None:
        pass


class Forks:
    """`accord serve` forked by forking_server.py, which reaps its children when asked."""

    def __init__(self, env: dict):
        self.parent = subprocess.Popen(
            [sys.executable, str(FORKING_SERVER)], env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )

    def _ask(self, *command) -> str:
        self.parent.stdin.write(" ".join(map(str, command)) + "\n")
        self.parent.stdin.flush()
        answer = self.parent.stdout.readline().strip()
        if not answer:
            pytest.fail(f"the forking server stopped answering ({self.parent.poll()})")
        return answer

    def launch(self, port: int, log_path: Path) -> int:
        return int(self._ask("serve", port, log_path))

    def exited(self, pid: int) -> bool:
        return self._ask("poll", pid) != "running"

    def reap(self, pid: int) -> None:
        self._ask("reap", pid)

    def close(self) -> None:
        self.parent.stdin.close()
        try:
            self.parent.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.parent.kill()
            self.parent.wait()


class Server:
    """The server of one database, on a fresh free port for each start, so that no
    client of a killed server can reach its successor."""

    def __init__(self, database_url: str, log_path: Path):
        env = {**os.environ, "ACCORD_DATABASE_URL": database_url}
        self.launcher = ColdStarts(env) if COLD_START else Forks(env)
        self.log_path = log_path
        self.pid = None
        self.port = None
        self.starts = 0

    def start(self, token: str) -> None:
        """Start and wait until the API answers `token`'s GET /me.

        Another process may take the free port between probe and bind: then another port.
        """
        for _ in range(3):
            if self._started(token):
                return
        pytest.fail(f"the server found no free port:\n{self.log()}")

    def _started(self, token: str) -> bool:
        self.port = free_port()
        self.pid = self.launcher.launch(self.port, self.log_path)
        self.starts += 1
        deadline = time.monotonic() + START_SECONDS
        while not self._answers(token):
            if self.launcher.exited(self.pid):
                self.pid = None
                if "Address already in use" in self.log():
                    return False
                pytest.fail(f"the server exited on start {self.starts}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not answer within {START_SECONDS} s:\n{self.log()}")
            time.sleep(0.01)
        return True

    def _answers(self, token: str) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=SOCKET_TIMEOUT)
        try:
            connection.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def kill(self) -> None:
        """SIGKILL: no handler, no atexit, no flush. Returns once the process is gone and
        the kernel has closed its files and sockets."""
        os.kill(self.pid, signal.SIGKILL)
        self.launcher.reap(self.pid)
        self.pid = None

    def stop(self) -> None:
        if self.pid is not None:
            self.kill()
        self.launcher.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


@pytest.fixture
def server_for(tmp_path):
    """A factory of servers for a database URL; every one still running is killed at the end."""
    servers = []

    def make(database_url: str) -> Server:
        servers.append(Server(database_url, tmp_path / f"server-{len(servers)}.log"))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()
