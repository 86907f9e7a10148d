"""`accord notify` sends the mail due to the SMTP server of ACCORD_SMTP_URL, and says what
waits when there is none."""

import os
import subprocess
import sys

from click.testing import CliRunner

from mediation.db import database
from outreach.models import Mail
from web.cli import main


def test_notify_mails_through_the_configured_server_and_tells_what_it_did(world, database_url, mail_server,
                                                                        monkeypatch):
    world.open_dispute("contoso", by="alice", parties=["sam", "carla"])
    database.close()
    monkeypatch.delenv("ACCORD_SMTP_URL", raising=False)
    held = CliRunner().invoke(main, ["--database", database_url, "notify"])
    assert held.exit_code == 0 and "waiting in the outbox (no ACCORD_SMTP_URL)" in held.output
    waiting = Mail.select().where(Mail.sent_at.is_null()).count()
    assert waiting >= 1 and mail_server.inbox.messages == []
    monkeypatch.setenv("ACCORD_SMTP_URL", mail_server.url)
    monkeypatch.setenv("ACCORD_BASE_URL", "https://accord.example.com")
    sent = CliRunner().invoke(main, ["--database", database_url, "notify"])
    assert sent.exit_code == 0 and f"{waiting} sent, 0 waiting in the outbox" in sent.output
    assert len(mail_server.inbox.messages) == waiting


def test_a_malformed_smtp_url_stops_the_command_saying_what_it_should_be(world, database_url, monkeypatch):
    monkeypatch.setenv("ACCORD_SMTP_URL", "mail.example.com:25")
    result = CliRunner().invoke(main, ["--database", database_url, "notify"])
    assert result.exit_code == 1 and "ACCORD_SMTP_URL must look like smtp://host:25" in result.output


def test_several_workers_at_once_send_each_mail_once(world, database_url, mail_server):
    for number in range(20):
        world.open_dispute("contoso" if number % 2 else "fabrikam", by="alice" if number % 2 else "bob",
                           title=f"Dispute {number}")
    database.close()
    mail_server.inbox.delay = 0.005
    env = {**os.environ, "ACCORD_SMTP_URL": mail_server.url, "ACCORD_MAIL_DAILY_LIMIT": "1000"}
    workers = [subprocess.Popen([sys.executable, "-m", "web.cli", "--database", database_url, "notify"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(3)]
    outputs = [worker.communicate(timeout=120)[0].decode() for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    ids = [message["Message-ID"] for message in mail_server.inbox.messages]
    assert len(ids) == len(set(ids)) == Mail.select().count() > len(world.people)
