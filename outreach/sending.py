"""Sending the outbox over SMTP, at least once and never lost.

A sender claims a batch of due mail for a while (a lease), in a transaction of its own:
PostgreSQL skips rows another sender holds (FOR UPDATE SKIP LOCKED), SQLite's write lock
lets one claim at a time. Each mail is marked sent once the server has taken it. A sender
that dies between the two leaves its claim to expire, and the mail is sent again under the
same Message-ID, by which mail programs know it for the same message. A refusal is tried
again later, less and less often.
"""

import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote
from urllib.parse import urlsplit

from mediation.db import is_postgres
from mediation.db import write_transaction
from outreach.config import MailConfig
from outreach.models import Mail

BATCH = 50  # mails claimed at a time
ROUND_SECONDS = 20  # a round sends for this long at most, so that it gets on to the rest
LEASE = timedelta(minutes=5)  # how long a claim holds before another sender may take the mail
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Sent:
    sent: int = 0
    failed: int = 0


class SmtpUrlError(ValueError):
    """ACCORD_SMTP_URL is not smtp://, smtp+starttls:// or smtps://host[:port]."""


def message_of(mail: Mail, config: MailConfig) -> EmailMessage:
    """The mail as sent, the same every time: its Message-ID comes from its key."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = f"<accord.{mail.key.replace(':', '.')}@{config.domain}>"
    if mail.unsubscribe_token:  # not on an invitation or a password reset
        message["List-Unsubscribe"] = f"<{config.link(f'/unsubscribe/{mail.unsubscribe_token}')}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    return message


def send_due(now: datetime, config: MailConfig, limit: int = BATCH, seconds: float = ROUND_SECONDS) -> Sent:
    """Send the mail due at `now`, a batch claimed at a time over one connection, for at
    most `seconds`; nothing without an SMTP server."""
    if not config.smtp_url:
        return Sent()
    started = time.monotonic()
    claimed = _claim(now, limit)
    if not claimed:
        return Sent()
    try:
        connection = connect(config.smtp_url)
    except (OSError, smtplib.SMTPException) as error:
        for mail in claimed:
            _failed(mail, now, f"could not reach the SMTP server: {error}")
        return Sent(failed=len(claimed))
    sent = failed = 0
    with connection:
        while claimed:
            for mail in claimed:
                try:
                    connection.send_message(message_of(mail, config))
                except (OSError, smtplib.SMTPException) as error:
                    _failed(mail, now, str(error))
                    failed += 1
                    continue
                with write_transaction():
                    Mail.update(sent_at=now, attempts=Mail.attempts + 1, claimed_until=None, last_error=None).where(
                        Mail.id == mail.id).execute()
                sent += 1
            claimed = _claim(now, limit) if time.monotonic() - started < seconds else []
    return Sent(sent, failed)


def waiting() -> int:
    """Mail not sent yet."""
    return Mail.select().where(Mail.sent_at.is_null()).count()


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str


def smtp_server(url: str) -> SmtpServer:
    """The server an SMTP URL names; SmtpUrlError saying what it should look like."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts = port = None
    if parts is None or parts.scheme not in ("smtp", "smtp+starttls", "smtps") or not parts.hostname:
        raise SmtpUrlError("ACCORD_SMTP_URL must look like smtp://host:25, smtp+starttls://user:password@host:587 "
                           "or smtps://host:465")
    default = {"smtps": 465, "smtp+starttls": 587}.get(parts.scheme, 25)
    return SmtpServer(parts.scheme, parts.hostname, port or default,
                      unquote(parts.username) if parts.username else None, unquote(parts.password or ""))


def connect(url: str) -> smtplib.SMTP:
    """A connection to the SMTP server of `url`, signed in when the URL names a user."""
    server = smtp_server(url)
    if server.scheme == "smtps":
        connection = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS,
                                      context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
        if server.scheme == "smtp+starttls":
            connection.starttls(context=ssl.create_default_context())
    if server.user:
        connection.login(server.user, server.password)
    return connection


def _claim(now: datetime, limit: int) -> list[Mail]:
    with write_transaction():
        due = (Mail.select().where(Mail.sent_at.is_null() & (Mail.next_attempt_at <= now)
                                   & (Mail.claimed_until.is_null() | (Mail.claimed_until < now)))
               .order_by(Mail.id).limit(limit))
        if is_postgres():
            due = due.for_update("FOR UPDATE SKIP LOCKED")
        claimed = list(due)
        if claimed:
            Mail.update(claimed_until=now + LEASE).where(Mail.id.in_([m.id for m in claimed])).execute()
    return claimed


def _failed(mail: Mail, now: datetime, error: str) -> None:
    """Try again later: after 1, 2, 4 ... minutes, at most an hour apart."""
    attempts = mail.attempts + 1
    with write_transaction():
        Mail.update(attempts=attempts, claimed_until=None, last_error=error[:1000],
                    next_attempt_at=now + min(timedelta(minutes=2 ** (attempts - 1)), timedelta(hours=1))).where(
            Mail.id == mail.id).execute()
