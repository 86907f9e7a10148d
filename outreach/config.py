"""Where mail goes and what it says of itself, from the environment (README, Configuration)."""

import os
from dataclasses import dataclass
from email.utils import parseaddr

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_SENDER = "Accord <accord@localhost>"
DEFAULT_DAILY_LIMIT = 12
DIGEST_CAP = 20  # items a mail lists before "and N more"


def configured_base_url() -> str:
    """`ACCORD_BASE_URL` without a trailing slash, or "" when unset: where every absolute link
    Accord gives out leads, in mail and on pages alike."""
    return os.environ.get("ACCORD_BASE_URL", "").strip().rstrip("/")


@dataclass(frozen=True)
class MailConfig:
    smtp_url: str | None = None
    sender: str = DEFAULT_SENDER
    base_url: str = DEFAULT_BASE_URL
    daily_limit: int = DEFAULT_DAILY_LIMIT

    @classmethod
    def from_environment(cls) -> "MailConfig":
        limit = os.environ.get("ACCORD_MAIL_DAILY_LIMIT", "")
        return cls(
            smtp_url=os.environ.get("ACCORD_SMTP_URL") or None,
            sender=os.environ.get("ACCORD_MAIL_FROM") or DEFAULT_SENDER,
            base_url=configured_base_url() or DEFAULT_BASE_URL,
            daily_limit=int(limit) if limit.isdigit() and int(limit) > 0 else DEFAULT_DAILY_LIMIT,
        )

    @property
    def domain(self) -> str:
        """The sender's domain, for Message-IDs."""
        return parseaddr(self.sender)[1].rpartition("@")[2] or "localhost"

    def link(self, path: str) -> str:
        return self.base_url + path
