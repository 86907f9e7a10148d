"""The demo, served for the browser tests: `python -m tests.e2e.live_server DATABASE_URL`.

Runs in a process of its own because the database handle (`mediation.db.database`) is
global: a server thread inside pytest would follow every other test's `open_database`.
Prints one line, `ready <url> <seconds spent building the demo>`, then serves until stopped.
"""

import sys
import time

from waitress.server import create_server

from web import create_app
from web.demo import build_demo


def main(database_url: str) -> None:
    started = time.perf_counter()
    build_demo(database_url, progress=lambda message: None)
    built_in = time.perf_counter() - started
    app = create_app({"DATABASE_URL": database_url})
    server = create_server(app, host="127.0.0.1", port=0, threads=8, ident="accord")
    print(f"ready http://127.0.0.1:{server.effective_port} {built_in:.2f}", flush=True)
    server.run()


if __name__ == "__main__":
    main(sys.argv[1])
