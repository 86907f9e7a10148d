"""Turning each person's pending notifications into mail, as they asked and no more often.

Per kind a person chose a frequency. Those at once go out in the next round, bundled into
one mail when several wait; daily ones in one digest a day from the digest hour on, weekly
ones in one digest a week from Monday's digest hour on, on the person's own clock. Quiet
hours hold everything back except what is urgent (a stale dispute, an incident's response
time). No person gets more than the daily limit of mails; what the limit holds back waits
for the next day. A kind turned off is never mailed. Each mail is keyed (by its first
notification, or by the person's day or week), so it is composed once however many
workers compose at the same moment.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta

from jinja2 import Environment
from jinja2 import PackageLoader
from jinja2 import select_autoescape

from mediation.db import is_postgres
from mediation.db import write_transaction
from mediation.parties import Person
from outreach.config import DIGEST_CAP
from outreach.config import MailConfig
from outreach.kinds import KINDS
from outreach.models import Mail
from outreach.models import Notification
from outreach.settings import Settings
from outreach.settings import settings_of

_templates = Environment(loader=PackageLoader("outreach"), autoescape=select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class _Batch:
    """What one mail carries, and the key that makes it once."""

    key: str
    label: str
    items: list[Notification]


def compose(now: datetime, config: MailConfig) -> int:
    """Compose the mail due at `now` for everyone with pending notifications; how many mails."""
    waiting = (Notification.select(Notification.person).where(Notification.mail_state == "pending")
               .distinct().tuples())
    return sum(_compose_for(person_id, now, config) for (person_id,) in waiting)


def _compose_for(person_id: int, now: datetime, config: MailConfig) -> int:
    """One person's mail, in a transaction of its own that holds the person: a second worker
    composing at once skips them (PostgreSQL) or waits and then finds nothing pending (SQLite)."""
    with write_transaction():
        person = _hold(person_id)
        if person is None:
            return 0
        pending = list(Notification.select().where((Notification.person == person_id)
                                                   & (Notification.mail_state == "pending"))
                       .order_by(Notification.id))
        settings = settings_of(person_id)
        off = [n.id for n in pending if settings.frequencies[n.kind] == "off"]
        if off:
            Notification.update(mail_state="skipped").where(Notification.id.in_(off)).execute()
        if person.disabled_at is not None:
            return 0
        local = now.astimezone(settings.zone)
        day = local.date().isoformat()
        budget = config.daily_limit - Mail.select().where((Mail.person == person_id)
                                                          & (Mail.local_day == day)).count()
        composed = 0
        for batch in _due(pending, settings, now, person_id):
            if composed >= budget:
                break
            _write(person, batch, day, now, config)
            composed += 1
        return composed


def _hold(person_id: int) -> Person | None:
    query = Person.select().where(Person.id == person_id)
    if is_postgres():
        query = query.for_update("FOR NO KEY UPDATE SKIP LOCKED")
    return query.first()


def _due(pending: list[Notification], settings: Settings, now: datetime, person_id: int) -> list[_Batch]:
    """The mails due now, most pressing first. A digest holds what came before its moment
    (today's digest hour, or this Monday's): what comes after waits for the next one."""
    quiet = settings.is_quiet(now)
    at_once = [n for n in pending if settings.frequencies[n.kind] == "immediate" and (n.urgent or not quiet)]
    batches = [_Batch(f"now:{at_once[0].id}", "at once", at_once)] if at_once else []
    if not quiet:
        local = now.astimezone(settings.zone)
        today = local.date()
        monday = today - timedelta(days=today.weekday())
        year, week, _ = monday.isocalendar()
        for frequency, label, day, key in (("daily", "daily digest", today, f"daily:{person_id}:{today}"),
                                           ("weekly", "weekly digest", monday, f"weekly:{person_id}:{year}-W{week:02d}")):
            moment = datetime.combine(day, time(settings.digest_hour), settings.zone)
            held = [n for n in pending if settings.frequencies[n.kind] == frequency and n.created_at <= moment]
            if held and now >= moment:
                batches.append(_Batch(key, label, held))
    return [batch for batch in batches if not Mail.select().where(Mail.key == batch.key).exists()]


def _subject(batch: _Batch) -> str:
    count = len(batch.items)
    if batch.label == "at once":
        return batch.items[0].title if count == 1 else f"{count} things need you in Accord"
    return f"Your {batch.label} from Accord: {count} update{'s' if count != 1 else ''}"


def _write(person: Person, batch: _Batch, day: str, now: datetime, config: MailConfig) -> None:
    token = secrets.token_urlsafe(24)
    kinds = sorted({n.kind for n in batch.items})
    shown = batch.items[::-1][:DIGEST_CAP]  # the newest first
    context = {
        "person": person, "subject": _subject(batch), "label": batch.label,
        "items": [(n, config.link(n.path)) for n in shown],
        "more": max(0, len(batch.items) - DIGEST_CAP),
        "kinds": [KINDS[kind].label for kind in kinds],
        "notifications_url": config.link("/notifications"), "profile_url": config.link("/profile"),
        "unsubscribe_url": config.link(f"/unsubscribe/{token}"),
    }
    mail = Mail.create(
        person=person.id, key=batch.key, to_address=person.email, subject=context["subject"],
        text_body=_templates.get_template("mail.txt").render(context),
        html_body=_templates.get_template("mail.html").render(context),
        kinds=",".join(kinds), unsubscribe_token=token, local_day=day, created_at=now,
        next_attempt_at=now,
    )
    (Notification.update(mail_state="mailed", mail=mail.id)
     .where(Notification.id.in_([n.id for n in batch.items])).execute())
