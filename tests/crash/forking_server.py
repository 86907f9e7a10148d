"""`accord serve`, forked on demand from a process that imported it once.

Importing Accord costs a second or more of CPU, the rest of a start tens of milliseconds:
forking lets the crash test kill and restart the server dozens of times in seconds. Each
child runs the command line entry point itself (`web.cli.main(["serve", ...])`), opens
the database afresh and serves the real app with waitress. This process only builds an
app once on an in-memory database it never connects to, for the imports that costs, and
starts no thread: a fork copies neither a connection nor a lock.

Commands on stdin, one line each, one answer line each on stdout:
    serve PORT LOG   -> PID         (the child's output goes to LOG)
    poll PID         -> running | exited STATUS
    reap PID         -> exited STATUS   (waits for the child to be gone)
End of input ends this process.
"""

import os
import sys
import traceback

from web import create_app
from web.cli import main


def serve(port: str, log_path: str) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    try:
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        main(["serve", "--host", "127.0.0.1", "--port", port], prog_name="accord")
    except SystemExit:
        pass
    except BaseException:
        traceback.print_exc()  # into the log, where the test looks for "Address already in use"
    finally:
        sys.stderr.flush()
        os._exit(1)


def answer(command: list[str]) -> str:
    match command:
        case ["serve", port, log_path]:
            return str(serve(port, log_path))
        case ["poll", pid]:
            done, status = os.waitpid(int(pid), os.WNOHANG)
            return f"exited {status}" if done else "running"
        case ["reap", pid]:
            return f"exited {os.waitpid(int(pid), 0)[1]}"
    return f"unknown command {command}"


if __name__ == "__main__":
    create_app({"DATABASE_URL": "sqlite:///:memory:"})
    for line in iter(sys.stdin.readline, ""):
        print(answer(line.rstrip("\n").split(" ", 2)), flush=True)
