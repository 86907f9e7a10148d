"""`accord notify` delivers what is due now and exits; run again it sends nothing new.
`accord worker` integrates the ledger and delivers in rounds until it is stopped."""

import os
import signal
import subprocess
import sys

from click.testing import CliRunner

from mediation import checkpoints
from mediation.db import database
from mediation.ledger import AuditEvent
from outreach.models import Notification
from web.cli import main


def _stale_dispute(world):
    """Opened on the tests' clock, months before the system clock the command runs on."""
    dispute = world.open_dispute("contoso", by="alice", parties=["sam", "carla"])
    return dispute


def test_notify_delivers_what_is_due_then_nothing_more(world, database_url):
    _stale_dispute(world)
    before = Notification.select().count()
    database.close()
    first = CliRunner().invoke(main, ["--database", database_url, "notify"])
    assert first.exit_code == 0, first.output
    told = Notification.select().where(Notification.kind == "stale_dispute").count()
    assert told >= 1 and Notification.select().count() - before >= told
    assert first.output.startswith(f"notify: {Notification.select().count() - before} new notification")
    again = CliRunner().invoke(main, ["--database", database_url, "notify"])
    assert again.exit_code == 0 and again.output.startswith("notify: 0 new notifications, 0 mails composed, ")


def test_the_worker_delivers_in_rounds_until_it_is_stopped(world, database_url):
    _stale_dispute(world)
    database.close()
    worker = subprocess.Popen([sys.executable, "-m", "web.cli", "--database", database_url, "worker", "--interval", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = [worker.stdout.readline() for _ in range(3)]
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=30)
    finally:
        worker.kill()
    assert lines[0].startswith("worker: integrating the ledger and delivering every 1 s")
    assert lines[1].startswith("worker: ") and "new notification" in lines[1] and not lines[1].startswith("worker: 0 ")
    assert f"{AuditEvent.select().count()} ledger events integrated, checkpoint signed at" in lines[1]
    assert lines[2].startswith("worker: 0 new notifications, 0 mails composed")
    assert lines[2].rstrip().endswith("0 ledger events integrated")
    assert worker.returncode == 0 and rest.rstrip().endswith("worker: stopped")
    assert Notification.select().where(Notification.kind == "stale_dispute").count() >= 1
    assert checkpoints.latest().size == AuditEvent.select().count()
