"""The kinds of notification, who gets each and how often by default, in words for people.

The frequency says how a kind reaches a person by mail: at once, in a daily or weekly
digest, or not at all. Every notification is listed in the app whatever its frequency.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    default: str
    label: str
    explained: str


KINDS = {
    kind.name: kind
    for kind in (
        Kind("waiting_on_you", "immediate", "Waiting on you",
             "your story is untold, your company's acceptance or acknowledgement is awaited, "
             "or your commitment is due within 3 days or overdue"),
        Kind("stale_dispute", "immediate", "Stale disputes",
             "a dispute you run has stayed in a stage past its target (intake: 24 hours)"),
        Kind("touchpoint_due", "daily", "Contact due",
             "a protocol you are a point person on is due for contact soon or overdue"),
        Kind("dispute_update", "daily", "Dispute updates",
             "a dispute you are part of changed stage, or gained an option, an acceptance or a commitment"),
        Kind("protocol_update", "daily", "Protocol updates",
             "a protocol version on your projects was proposed, agreed, superseded or retired"),
        Kind("webhook_disabled", "immediate", "Webhooks disabled",
             "a webhook of your organization failed for a day and was disabled (administrators)"),
    )
}
FREQUENCIES = ("immediate", "daily", "weekly", "off")
FREQUENCY_LABELS = {"immediate": "At once", "daily": "Daily digest", "weekly": "Weekly digest", "off": "Off"}
