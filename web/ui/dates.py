"""How every page shows a moment or a day: one style, "4 Dec 2026, 14:30 CET" and
"4 Dec 2026", in the reader's time zone (their profile's, UTC for whoever chose none or
is not signed in), naming the zone as it was at that very moment (CET in December, CEST
in July), inside <time datetime="..."> holding the moment in UTC for machines."""

from datetime import date
from datetime import datetime
from datetime import timezone
from datetime import tzinfo

from flask import g
from markupsafe import Markup

from outreach import settings
from web.ui.session import viewer


def zone_name(local: datetime) -> str:
    """The zone's abbreviation at `local`'s moment: CET or CEST, UTC; a zone without
    letters for it (Asia/Singapore says "+08") as UTC+08."""
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def moment_text(moment: datetime, zone: tzinfo, seconds: bool = False) -> str:
    """"4 Dec 2026, 14:30 CET": `moment` read in `zone`."""
    local = _aware(moment).astimezone(zone)
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{local.day} {local:%b %Y}, {clock} {zone_name(local)}"


def day_text(value: date) -> str:
    """"4 Dec 2026"."""
    return f"{value.day} {value:%b %Y}"


def reader_zone() -> tzinfo:
    """The signed-in person's own time zone, read once a request; UTC when nobody is."""
    if "reader_zone" not in g:
        actor = viewer()
        g.reader_zone = settings.settings_of(actor.person_id).zone if actor else timezone.utc
    return g.reader_zone


def moment(value: datetime | str | None, zone: tzinfo | None = None, seconds: bool = False) -> Markup:
    """A moment (or an ISO 8601 text of one, as payloads hold them) for a page, in `zone`
    or else the reader's; empty for None, so a template can say what stands instead."""
    if value is None:
        return Markup("")
    value = _aware(datetime.fromisoformat(value) if isinstance(value, str) else value)
    return Markup('<time datetime="{}">{}</time>').format(
        value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        moment_text(value, zone or reader_zone(), seconds),
    )


def day(value: date | datetime | None, zone: tzinfo | None = None) -> Markup:
    """A day for a page: a date as it is, a moment's day in `zone` or else the reader's."""
    if value is None:
        return Markup("")
    if isinstance(value, datetime):
        value = _aware(value).astimezone(zone or reader_zone()).date()
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), day_text(value))


def _aware(value):
    """Moments are stored in UTC; one read back without its zone is taken as UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
