"""A real SMTP server for the tests (aiosmtpd), keeping every message it is sent."""

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass
from dataclasses import field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope


@dataclass
class Inbox:
    """What the server received, parsed; `refuse` makes it answer 550 to every message."""

    messages: list = field(default_factory=list)
    refuse: bool = False
    delay: float = 0.0  # seconds taken over each message, to be killed in the middle of
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope: Envelope):
        if self.refuse:
            return "550 mailbox unavailable"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        """The notification mail sent to `address` (not its invitation: the tests' people are
        created without a password, and so invited)."""
        return [m for m in self.messages if m["To"] == address and m["Subject"] != "You are invited to Accord"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = _free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "MailServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
