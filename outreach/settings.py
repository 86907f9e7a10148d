"""How each person wants to be told: per kind a frequency, the hour their digests come,
their time zone and quiet hours. A person who never chose has the defaults."""

import json
import re
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import time
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from mediation import directory
from mediation.access import Actor
from mediation.db import write_transaction
from mediation.errors import Invalid
from mediation.errors import NotFound
from mediation.parties import Person
from outreach.kinds import FREQUENCIES
from outreach.kinds import KINDS
from outreach.models import Mail
from outreach.models import NotificationSettings

DEFAULT_DIGEST_HOUR = 8
DEFAULT_TIMEZONE = "UTC"
CLOCK_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")  # as JSON Schema reads it too
UNCHANGED = object()


@dataclass(frozen=True)
class Settings:
    frequencies: dict[str, str] = field(default_factory=lambda: {name: kind.default for name, kind in KINDS.items()})
    digest_hour: int = DEFAULT_DIGEST_HOUR
    timezone: str = DEFAULT_TIMEZONE
    quiet_from: str | None = None
    quiet_to: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_quiet(self, moment: datetime) -> bool:
        """Whether `moment` falls in the quiet hours, read on the person's own clock; hours
        that cross midnight (20:00 to 07:00) hold the night."""
        if self.quiet_from is None or self.quiet_to is None:
            return False
        local = moment.astimezone(self.zone).time()
        start, end = time.fromisoformat(self.quiet_from), time.fromisoformat(self.quiet_to)
        if start <= end:
            return start <= local < end
        return local >= start or local < end


def _of_row(row: NotificationSettings | None) -> Settings:
    if row is None:
        return Settings()
    return Settings({**Settings().frequencies, **row.frequencies}, row.digest_hour, row.timezone,
                    row.quiet_from, row.quiet_to)


def settings_of(person_id: int) -> Settings:
    return _of_row(NotificationSettings.get_or_none(NotificationSettings.person == person_id))


def change_settings(actor: Actor, now: datetime, *, kinds: dict | None = None, digest_hour=UNCHANGED,
                    timezone=UNCHANGED, quiet_hours=UNCHANGED) -> Settings:
    """Change what is given, keep the rest: `kinds` maps kinds to frequencies,
    `quiet_hours` is {"from": "HH:MM", "to": "HH:MM"} or None for none. Every rule broken
    is named at once, and nothing changes then."""
    errors = {}
    for name, frequency in (kinds or {}).items():
        if name not in KINDS:
            errors[f"kinds.{name}"] = [f"there is no kind '{name}'; the kinds are {', '.join(KINDS)}"]
        elif frequency not in FREQUENCIES:
            errors[f"kinds.{name}"] = [f"must be one of {', '.join(FREQUENCIES)}"]
    if digest_hour is not UNCHANGED and not (isinstance(digest_hour, int) and 0 <= digest_hour <= 23):
        errors["digest_hour"] = ["must be a whole hour from 0 to 23"]
    if timezone is not UNCHANGED and not _is_zone(timezone):
        errors["timezone"] = ["must be a time zone such as Europe/Berlin or UTC"]
    if quiet_hours is not UNCHANGED and quiet_hours is not None:
        for end in ("from", "to"):
            if not CLOCK_TIME.fullmatch(str(quiet_hours.get(end, ""))):
                errors[f"quiet_hours.{end}"] = ["must be a time of day as HH:MM, such as 20:00"]
        if not errors and quiet_hours["from"] == quiet_hours["to"]:
            errors["quiet_hours.to"] = ["must differ from the start, or leave quiet hours out"]
    if errors:
        raise Invalid(errors)
    with write_transaction():
        current = settings_of(actor.person_id)
        changed = Settings(
            {**current.frequencies, **(kinds or {})},
            current.digest_hour if digest_hour is UNCHANGED else digest_hour,
            current.timezone if timezone is UNCHANGED else timezone,
            *((current.quiet_from, current.quiet_to) if quiet_hours is UNCHANGED
              else (quiet_hours["from"], quiet_hours["to"]) if quiet_hours else (None, None)),
        )
        _store(actor.person_id, changed, now)
    return changed


def change_details(actor: Actor, clock, *, name: str, timezone: str) -> None:
    """The profile's details: the name others see and the time zone the person reads times
    in (and is mailed by). Both are checked before either changes, and every rule broken is
    named at once."""
    errors = {}
    with write_transaction():
        for change in (lambda: directory.rename_self(actor, clock, name=name),
                       lambda: change_settings(actor, clock.now(), timezone=timezone)):
            try:
                change()
            except Invalid as error:
                errors.update(error.errors)
        if errors:
            raise Invalid(errors)


def turn_off(person_id: int, kinds, now: datetime) -> Settings:
    """Stop mailing `kinds` to the person: what an unsubscribe link does."""
    with write_transaction():
        current = settings_of(person_id)
        changed = Settings({**current.frequencies, **{kind: "off" for kind in kinds}}, current.digest_hour,
                           current.timezone, current.quiet_from, current.quiet_to)
        _store(person_id, changed, now)
    return changed


@dataclass(frozen=True)
class Unsubscribing:
    """Whom an unsubscribe link is for, and the kinds of its mail."""

    person_id: int
    name: str
    kinds: list[str]


def unsubscribing(token: str) -> Unsubscribing:
    """What the unsubscribe link holding `token` turns off; NotFound for a link that is not one."""
    found = (Mail.select(Mail, Person).join(Person).where(Mail.unsubscribe_token == token).first()
             if 0 < len(token) <= 64 else None)
    if found is None:
        raise NotFound("unsubscribe link", "given")
    return Unsubscribing(found.person_id, found.person.name, found.kinds.split(","))


def unsubscribe(token: str, now: datetime) -> Unsubscribing:
    """Turn off the kinds of the mail whose link holds `token`, without signing in (RFC 8058
    one-click)."""
    found = unsubscribing(token)
    turn_off(found.person_id, found.kinds, now)
    return found


def _store(person_id: int, settings: Settings, now: datetime) -> None:
    defaults = Settings().frequencies
    chosen = {name: value for name, value in settings.frequencies.items() if value != defaults[name]}
    values = {"frequencies_text": json.dumps(chosen, sort_keys=True), "digest_hour": settings.digest_hour,
              "timezone": settings.timezone, "quiet_from": settings.quiet_from, "quiet_to": settings.quiet_to,
              "updated_at": now}
    (NotificationSettings.insert(person=person_id, **values)
     .on_conflict(conflict_target=[NotificationSettings.person], update=values).execute())


def _is_zone(name) -> bool:
    if not isinstance(name, str) or not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
