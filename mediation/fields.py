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
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value
