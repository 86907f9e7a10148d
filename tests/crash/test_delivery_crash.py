"""Crash safety of delivery: `accord worker` killed with SIGKILL in the middle of sending
mail to a real SMTP server and webhooks to a real HTTP receiver, over and over, loses
nothing, and what it sent twice went out under the same Message-ID or webhook-id.

The world's people are invited (they have no password) and told of a few dozen changes;
a webhook takes every event. Each round starts a worker, lets it run 50 to 900 ms (from a
printed seed) while the server and the receiver take 15 ms over each message, and kills
it. A worker killed between a message's sending and its marking leaves a claim that
expires after the lease; a last round run here, on a clock past the lease, sends what the
claims held. Then every mail was received and every delivery delivered, at least once;
every message received twice carries one Message-ID (or webhook-id) and the same body;
nothing was received that the outbox does not hold.

ACCORD_CRASH_ROUNDS rounds (12 by default), ACCORD_CRASH_SEED to repeat a run.
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import datetime
from datetime import timezone

from mediation import services
from mediation.db import database
from mediation.db import open_database
from outreach import sending
from outreach import webhook_sending
from outreach import webhooks
from outreach.config import MailConfig
from outreach.models import Mail
from outreach.models import WebhookDelivery

ROUNDS = int(os.environ.get("ACCORD_CRASH_ROUNDS", "12"))
SEED = int(os.environ.get("ACCORD_CRASH_SEED", str(random.randrange(10**6))))


def test_a_worker_killed_while_delivering_loses_nothing_and_repeats_under_one_id(world, database_url, mail_server,
                                                                                  webhook_receiver):
    print(f"ACCORD_CRASH_SEED={SEED}")
    chance = random.Random(SEED)
    webhooks.subscribe(world.actor("admin"), world.clock.now(), url=webhook_receiver.url, events=["*"])
    for number in range(12):
        dispute = world.open_dispute("contoso" if number % 2 else "fabrikam", title=f"Dispute {number}")
        world.drive(dispute, "story_gathering")
        services.add_note(world.actor("alice" if number % 2 else "bob"), world.clock, dispute.id, text="Noted.")
    database.close()
    mail_server.inbox.delay = webhook_receiver.delay = 0.015
    env = {**os.environ, "ACCORD_SMTP_URL": mail_server.url, "ACCORD_BASE_URL": "https://accord.example.com",
           "ACCORD_MAIL_DAILY_LIMIT": "1000", "PYTHONUNBUFFERED": "1"}
    for _ in range(ROUNDS):
        worker = subprocess.Popen([sys.executable, "-m", "web.cli", "--database", database_url, "worker",
                                   "--interval", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert worker.stdout.readline().startswith(b"worker: integrating the ledger and delivering")
        time.sleep(chance.uniform(0.05, 0.9))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    open_database(database_url)
    after_the_leases = datetime.now(timezone.utc) + max(sending.LEASE, webhook_sending.LEASE) * 2
    config = MailConfig(smtp_url=mail_server.url, base_url="https://accord.example.com", daily_limit=1000)
    mail_server.inbox.delay = webhook_receiver.delay = 0
    while sending.send_due(after_the_leases, config).sent or webhook_sending.deliver_due(after_the_leases).delivered:
        pass

    mails = {f"<accord.{m.key.replace(':', '.')}@localhost>": m for m in Mail.select()}
    assert mails and all(mail.sent_at is not None for mail in mails.values())
    received = defaultdict(list)
    for message in mail_server.inbox.messages:
        received[message["Message-ID"]].append(message.get_body(("plain",)).get_content())
    assert set(received) == set(mails), "every mail was received, and nothing else"
    assert all(len(set(bodies)) == 1 for bodies in received.values()), "a mail sent twice is the same mail"

    deliveries = {d.message_id: d for d in WebhookDelivery.select()}
    assert deliveries and all(d.delivered_at is not None for d in deliveries.values())
    posted = defaultdict(set)
    for request in webhook_receiver.received:
        posted[request.headers["webhook-id"]].add(request.body)
    assert set(posted) == set(deliveries), "every delivery was received, and nothing else"
    assert all(bodies == {deliveries[key].payload.encode()} for key, bodies in posted.items())
    print(f"{len(mails)} mails, {len(mail_server.inbox.messages)} received; {len(deliveries)} deliveries, "
          f"{len(webhook_receiver.received)} received")
