"""Search across what the reader may read.

Each text that search finds is an entry of one full-text index: a dispute's title,
summary and resolution, its stories, options and notes, and what protocols add (see
protocols.search). The entries and how they stay in step with every write are stated in
mediation/migrations/m0004_search.py. A result is a subject (a dispute, a protocol) found
by its best entry, with a short snippet of that entry and how many of its entries match.

Who may read what is asked of each rule's owner and applied inside the query, before
anything is matched, counted or cut into a snippet: which subjects the reader sees (each
`Subject` brings its own package's rule) and which visibilities of stories and notes
they read (`dispute_queries.readable_visibilities`). An entry the reader may not read is
never a result, never counted and never quoted.

Ranking reads each entry alone: where it is (a title weighs more than a note), how often
the words occur in it and how long it is. It never weighs how common a word is across
the whole index, as bm25 does: that would count texts the reader may not read, and the
order of their own results would tell them about those texts.
"""

import base64
import binascii
import math
import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

from mediation.access import Actor
from mediation.db import execute
from mediation.db import is_postgres
from mediation.dispute_queries import readable_visibilities
from mediation.dispute_queries import visible_sql
from mediation.disputes import Dispute
from mediation.errors import Invalid
from mediation.migrations.m0004_search import MARKS

MAX_QUERY_LENGTH = 200
PAGE_SIZE = 20
SNIPPET_WORDS = 20
# What a match weighs by where it is: the words that name a subject, then what sums it up,
# then what was said along the way.
WEIGHTS = {"title": 4, "protocol": 4, "summary": 2, "resolution": 2, "option": 2, "agenda": 2, "escalation": 2,
           "story": 1, "note": 1, "touchpoint": 1}
START, STOP = MARKS
_WORD = re.compile(r"[^\W_]+")
_MARKED = re.compile(f"({START}.*?{STOP})", re.DOTALL)
_SPACE = re.compile(r"\s+")
_SHOWN = re.compile(r"\S+")


@dataclass(frozen=True)
class Subject:
    """A kind of thing search finds, with the rules its own package states for it:
    `readable(actor)` is SQL selecting the ids of those the actor may see, with its
    parameters, and `titles(ids)` names them."""

    kind: str
    readable: Callable[[Actor], tuple[str, list]]
    titles: Callable[[list[int]], dict[int, str]]


@dataclass(frozen=True)
class Segment:
    """A piece of a snippet: a word that matched, or the text around it."""

    text: str
    matched: bool


@dataclass(frozen=True)
class Hit:
    subject_type: str
    subject_id: int
    title: str
    source: str  # where the best entry is: "title", "story", "agenda", ...
    visibility: str
    snippet: tuple[Segment, ...]
    matches: int  # the subject's entries that match and the reader may read


@dataclass(frozen=True)
class Results:
    terms: tuple[str, ...]
    hits: list[Hit]
    next_cursor: str | None


def terms(text: str) -> tuple[str, ...]:
    """The words of a query, each once: punctuation, quotes and the operators of either
    database's query language are left out, so that no query fails to parse. Invalid,
    naming `q`, beyond MAX_QUERY_LENGTH characters."""
    if len(text) > MAX_QUERY_LENGTH:
        raise Invalid.field("q", f"must be at most {MAX_QUERY_LENGTH} characters: search for a few words")
    return tuple(dict.fromkeys(word.lower() for word in _WORD.findall(text)))


def _readable_disputes(actor: Actor) -> tuple[str, list]:
    condition, params = visible_sql(actor)
    return f'SELECT d."id" FROM "dispute" AS d WHERE {condition}', params


def _dispute_titles(ids: list[int]) -> dict[int, str]:
    return dict(Dispute.select(Dispute.id, Dispute.title).where(Dispute.id.in_(ids)).tuples())


DISPUTES = Subject("dispute", _readable_disputes, _dispute_titles)


def search(actor: Actor, text: str, subjects: Sequence[Subject], *, cursor: str | None = None,
           limit: int = PAGE_SIZE) -> Results:
    """The subjects of these kinds that the reader may read and whose entries hold every
    word of `text`, best first: a page of `limit`, after `cursor` (the `next_cursor` of the
    page before). Invalid, naming `q` or `cursor`, for a query too long or a cursor this
    search did not give."""
    words = terms(text)
    after = _position(cursor, subjects)
    if not words:
        return Results(words, [], None)
    dialect = _Postgres if is_postgres() else _SQLite
    found = _best(dialect, words, actor, subjects, after, limit)
    page = found[:limit]
    snippets = _snippets(dialect, words, [row[2] for row in page])
    titles = {}
    for subject in subjects:
        ids = [subject_id for kind, subject_id, *_ in page if kind == subject.kind]
        titles[subject.kind] = subject.titles(ids) if ids else {}
    hits = []
    for kind, subject_id, entry_id, _, matches in page:
        # An entry made again by a write between these reads (an edited title) waits for
        # the next search.
        if entry_id in snippets and subject_id in titles[kind]:
            source, visibility, quoted = snippets[entry_id]
            hits.append(Hit(kind, subject_id, titles[kind][subject_id], source, visibility, quoted, matches))
    last_kind, last_id, _, last_score, _ = page[-1] if page else (None, None, None, None, None)
    following = _cursor(last_score, last_kind, last_id) if len(found) > limit else None
    return Results(words, hits, following)


def _best(dialect, words, actor: Actor, subjects: Sequence[Subject], after, limit: int) -> list[tuple]:
    """(kind, id, best entry, score, matches) of each subject found, best first, one more
    than `limit`."""
    visibilities = readable_visibilities(actor)
    branches, params = [], list(visibilities)
    for subject in subjects:
        ids, ids_params = subject.readable(actor)
        branches.append(f'(e."subject_type" = ? AND e."subject_id" IN ({ids}))')
        params += [subject.kind, *ids_params]
    readable = f'e."visibility" IN ({", ".join("?" for _ in visibilities)}) AND ({" OR ".join(branches)})'
    hits, hits_params = dialect.hits(words, readable, params)
    following, following_params = "", []
    if after is not None:
        score, kind, subject_id = after
        following = ("AND (score < ? OR (score = ? AND (subject_type > ? OR (subject_type = ? AND subject_id > ?))))")
        following_params = [score, score, kind, kind, subject_id]
    sql = (f"WITH hits AS ({hits}), best AS (SELECT subject_type, subject_id, entry_id, score,"
           " row_number() OVER (PARTITION BY subject_type, subject_id ORDER BY score DESC, entry_id) AS place,"
           " count(*) OVER (PARTITION BY subject_type, subject_id) AS matches FROM hits)"
           f" SELECT subject_type, subject_id, entry_id, score, matches FROM best WHERE place = 1 {following}"
           f" ORDER BY score DESC, subject_type, subject_id LIMIT {int(limit) + 1}")
    return [tuple(row) for row in execute(sql, hits_params + following_params)]


def _snippets(dialect, words, entry_ids: list[int]) -> dict[int, tuple[str, str, tuple[Segment, ...]]]:
    """Entry id -> its source, visibility and snippet."""
    if not entry_ids:
        return {}
    sql, params = dialect.marked(words, entry_ids)
    return {entry_id: (source, visibility, snippet(marked))
            for entry_id, source, visibility, marked in execute(sql, params)}


def snippet(marked: str) -> tuple[Segment, ...]:
    """A few words of an entry, its matching words marked: `marked` is the whole entry as
    the database marked it. The words shown start a little before the first match; "…"
    stands for the words left out before and after, and white space is made single spaces."""
    plain, matches, at = [], [], 0
    for piece in _MARKED.split(marked):
        matched = piece.startswith(START) and piece.endswith(STOP)
        text = piece[1:-1] if matched else piece.replace(START, "").replace(STOP, "")
        if matched:
            matches.append((at, at + len(text)))
        plain.append(text)
        at += len(text)
    plain = "".join(plain)
    words = [word.span() for word in _SHOWN.finditer(plain)]
    if not words:
        return ()
    first = next((n for n, (start, end) in enumerate(words) if any(a < end and start < b for a, b in matches)), 0)
    start = max(0, min(first - SNIPPET_WORDS // 4, len(words) - SNIPPET_WORDS))
    end = min(len(words), start + SNIPPET_WORDS)
    low, high = words[start][0], words[end - 1][1]
    segments = [Segment("…", False)] if start > 0 else []
    shown = low
    for a, b in matches:
        a, b = max(a, low), min(b, high)
        if a >= b:
            continue
        if a > shown:
            segments.append(Segment(_SPACE.sub(" ", plain[shown:a]), False))
        segments.append(Segment(_SPACE.sub(" ", plain[a:b]), True))
        shown = b
    if high > shown:
        segments.append(Segment(_SPACE.sub(" ", plain[shown:high]), False))
    if end < len(words):
        segments.append(Segment("…", False))
    return tuple(segments)


def _cursor(score: float, kind: str, subject_id: int) -> str:
    """The position after a result, for the next page: opaque to the client."""
    return base64.urlsafe_b64encode(f"{score!r} {kind} {subject_id}".encode()).decode().rstrip("=")


def _position(cursor: str | None, subjects: Sequence[Subject]) -> tuple[float, str, int] | None:
    if not cursor:
        return None
    refused = Invalid.field("cursor", "is not a position in these results: start again from the first page")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        score, kind, subject_id = text.split(" ")
        position = float(score), kind, int(subject_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise refused from None
    if not math.isfinite(position[0]) or kind not in {s.kind for s in subjects} or position[2] < 1:
        raise refused
    return position


def _weight(source: str) -> str:
    cases = " ".join(f"WHEN '{name}' THEN {weight}" for name, weight in WEIGHTS.items())
    return f"CASE {source} {cases} ELSE 1 END"


class _SQLite:
    """FTS5: every word quoted, so none is read as an operator; AND between them."""

    @staticmethod
    def hits(words, readable: str, params: list) -> tuple[str, list]:
        marked = f'highlight("search_text", 0, char({ord(START)}), char({ord(STOP)}))'
        found = (f'SELECT e."subject_type" AS subject_type, e."subject_id" AS subject_id, e."id" AS entry_id,'
                 f' e."source" AS source, length(e."body") AS size,'
                 f" length({marked}) - length(replace({marked}, char({ord(START)}), '')) AS often"
                 f' FROM "search_text" JOIN "search_entry" AS e ON e."id" = "search_text"."rowid"'
                 f' WHERE "search_text" MATCH ? AND {readable}')
        # bm25's saturation and length normalization, without its inverse document frequency
        score = f"{_weight('source')} * often * 2.2 / (often + 1.2 * (0.25 + 0.75 * size / 300.0))"
        return (f"SELECT subject_type, subject_id, entry_id, {score} AS score FROM ({found}) AS found",
                [_SQLite.match(words), *params])

    @staticmethod
    def match(words) -> str:
        return " ".join(f'"{word}"' for word in words)

    @staticmethod
    def marked(words, entry_ids: list[int]) -> tuple[str, list]:
        sql = (f'SELECT e."id", e."source", e."visibility",'
               f' highlight("search_text", 0, char({ord(START)}), char({ord(STOP)}))'
               f' FROM "search_text" JOIN "search_entry" AS e ON e."id" = "search_text"."rowid"'
               f' WHERE "search_text" MATCH ? AND e."id" IN ({", ".join("?" for _ in entry_ids)})')
        return sql, [_SQLite.match(words), *entry_ids]


class _Postgres:
    """Text search: the words as plain text to plainto_tsquery, which reads no operator."""

    # The whole text, every match marked: ts_headline's excerpts leave out markup and
    # punctuation, so the words shown are chosen as on SQLite (`snippet`).
    HIGHLIGHT = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"

    @staticmethod
    def hits(words, readable: str, params: list) -> tuple[str, list]:
        weight = _weight('e."source"')
        sql = (f'SELECT e."subject_type" AS subject_type, e."subject_id" AS subject_id, e."id" AS entry_id,'
               f' ({weight} * ts_rank(e."document", q.query, 1))::float8 AS score'
               " FROM \"search_entry\" AS e, plainto_tsquery('english', ?) AS q(query)"
               f' WHERE e."document" @@ q.query AND {readable}')
        return sql, [" ".join(words), *params]

    @staticmethod
    def marked(words, entry_ids: list[int]) -> tuple[str, list]:
        sql = ('SELECT e."id", e."source", e."visibility",'
               " ts_headline('english', e.\"body\", plainto_tsquery('english', ?), ?)"
               f' FROM "search_entry" AS e WHERE e."id" IN ({", ".join("?" for _ in entry_ids)})')
        return sql, [" ".join(words), _Postgres.HIGHLIGHT, *entry_ids]
