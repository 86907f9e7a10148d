"""Pages of longer lists: every list read a page at a time asks for one row more than the
page, and that row, never shown, tells whether another page follows."""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Generic
from typing import TypeVar

from peewee import SelectBase

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    more: bool

    @property
    def last(self) -> T | None:
        return self.items[-1] if self.items else None


def page_of(rows: Iterable[T], limit: int) -> Page[T]:
    """The first `limit` of `rows`, and whether more follow. A query is asked for one row
    more than that; any other iterable is read no further than that row."""
    if isinstance(rows, SelectBase):
        rows = rows.limit(limit + 1)
    found = list(islice(rows, limit + 1))
    return Page(found[:limit], len(found) > limit)
