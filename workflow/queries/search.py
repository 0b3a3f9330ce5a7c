"""Full-text search over the cases a person may see: one statement per page, both backends.

``search(session, viewer, q, limit, after)`` returns up to ``limit`` hits, best first, after
the keyset ``after`` (the ``(rank, entry id)`` of the last hit of the previous page). A hit is
one entry of ``search_entries`` (a title, a document, a comment, an activity): a case can hit
several times, each with its place. Visibility is the lists' condition
(``workflow.queries.visibility.visible_cases``) inside the statement, never a filter after
paging. Ranks: ``ts_rank`` on PostgreSQL, ``-bm25`` on SQLite (higher is better on both); they
order hits but mean nothing across backends. Snippets are cut in Python from the page's bodies.

Scale (issue 12, ``bench/search.py``: 100k agreements, 200k document versions of a few pages,
300k entries; p95 ≤ 100 ms). Ranking every match was the cost: a common word matches ~150k
entries, and ``ts_rank`` reads (de-TOASTs) the ``tsvector`` of each, ~15 kB for a document: over
a second per search; FTS5's ``bm25`` likewise reads every match's position lists and size.
Any order of the matches other than the index's own costs as much on PostgreSQL (a GIN index
yields row addresses, unordered: "the newest N by id" needs every match's id; the planner, which
does not count the de-TOASTing, then picks a scan that evaluates ``@@`` on every row's vector).

What changed: the statement ranks a bounded candidate set. Its subquery takes the first
``CANDIDATES`` visible matches *as the index yields them*, unsorted (PostgreSQL: a GIN bitmap
scan that stops after them, or a sequential scan that stops after them when most rows match;
SQLite: FTS5's doclists in rowid order), without ranking them; the outer query ranks only those
(``ts_rank`` computed there, outside the subquery; ``bm25`` inside it, where FTS5 allows it, for
the rows the LIMIT lets through), pages them by (rank, id), joins the case and the author, and
reads only the page's bodies. A query that matches at most ``CANDIDATES`` visible entries gets
every match, ranked, as before, the same on both backends. One that matches more shows
``CANDIDATES`` of them, the best of those first: the oldest on SQLite (rowid order), on
PostgreSQL those first in the table's storage order (also roughly the oldest, but an entry
re-indexed in place moves), so past ``CANDIDATES`` the two backends may show different hits.
No count is taken. Snippets are cut around the first hit without tokenizing the whole body
(``workflow.search.snippet``).

Still slow on PostgreSQL: a quoted phrase of common words. GIN has no positions, so every entry
holding all the words is rechecked against its vector; ``bench/search.py`` reports it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Double, and_, cast, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from workflow.persistence.models import Case, User
from workflow.persistence.search import SearchEntry
from workflow.policy import Actor
from workflow.queries.visibility import sees_everything, visible_cases
from workflow.search.query import SearchQuery, parse
from workflow.search.snippet import snippet

_FTS = table("search_fts", column("rowid"))
CANDIDATES = 1_000  # the newest visible matches ranked; see the module's docstring
_REGCONFIG = literal_column("'russian'::regconfig")


@dataclass(frozen=True)
class Hit:
    entry_id: int
    case_id: int
    case_title: str
    source: str  # title|partner|document|comment|activity
    source_key: str  # title: main|partner; document: its language; comment: the event's seq
    language: str | None
    number: int | None  # a document's version, an activity's number
    author_name: str | None  # a comment's
    at: dt.datetime | None  # a comment's
    snippet: str  # HTML, hits in <mark>
    rank: float


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    next_after: tuple[float, int] | None  # the keyset of the next page; None at the end


def _pg_tsquery(query: SearchQuery):
    def term(t):
        return func.phraseto_tsquery(_REGCONFIG, t.text)

    groups = []
    for group in query.groups:
        expression = None
        for t in group:
            part = func.tsquery_not(term(t)) if t.negated else term(t)
            expression = part if expression is None else func.tsquery_and(expression, part)
        groups.append(expression)
    combined = groups[0]
    for expression in groups[1:]:
        combined = func.tsquery_or(combined, expression)
    return combined


def _match_and_rank(session: Session, query: SearchQuery):
    """(the FROM clause's extra table or None, the match condition, the rank expression)."""
    if session.get_bind().dialect.name == "postgresql":
        tsv = literal_column("search_entries.body_tsv")
        tsquery = _pg_tsquery(query)
        # As double precision: a real comes back as its shortest text, which read as a Python
        # float is not the same number, and the next page's "rank < :last" would skip ties.
        return None, tsv.op("@@")(tsquery), cast(func.ts_rank(tsv, tsquery), Double)
    fts = literal_column("search_fts")
    return _FTS, fts.op("MATCH")(query.fts5()), -func.bm25(fts)


def search(
    session: Session,
    viewer: Actor,
    q: str,
    limit: int,
    after: tuple[float, int] | None = None,
) -> SearchPage:
    """A page of hits for ``q`` among the cases ``viewer`` may see (empty for a query with
    nothing to search for: see ``workflow.search.query.parse``)."""
    query = parse(q)
    if query is None:
        return SearchPage([], None)
    entries = SearchEntry.__table__
    extra, match, rank = _match_and_rank(session, query)
    # The candidates: the first visible matches the index yields. On SQLite bm25() exists only
    # in the FTS5 query, so it is computed there (for the rows the LIMIT lets through); on
    # PostgreSQL ts_rank is computed outside, for the candidates only.
    in_fts = extra is not None
    columns = [entries.c.id.label("id")] + ([rank.label("rank")] if in_fts else [])
    candidates = select(*columns)
    if in_fts:
        candidates = candidates.select_from(extra).join(entries, entries.c.id == extra.c.rowid)
    else:
        candidates = candidates.select_from(entries)
    if not sees_everything(viewer):
        candidates = candidates.join(Case, Case.id == entries.c.case_id)
    candidates = (
        candidates.where(match, visible_cases(viewer))
        .limit(CANDIDATES)  # no ORDER BY: the first the index yields, nothing sorted
        .subquery("candidates")
    )
    rank = (candidates.c.rank if in_fts else rank).label("rank")
    conditions = []
    if after is not None:
        last_rank, last_id = after
        conditions.append(or_(rank < last_rank, and_(rank == last_rank, candidates.c.id > last_id)))
    rows = session.execute(
        select(
            entries.c.id,
            entries.c.case_id,
            Case.title,
            entries.c.source,
            entries.c.source_key,
            entries.c.language,
            entries.c.number,
            User.full_name,
            entries.c.at,
            entries.c.body,
            rank,
        )
        .select_from(candidates)
        .join(entries, entries.c.id == candidates.c.id)
        .join(Case, Case.id == entries.c.case_id)
        .outerjoin(User, User.id == entries.c.author_id)
        .where(*conditions)
        .order_by(rank.desc(), candidates.c.id)
        .limit(limit + 1)
    ).all()
    wanted = query.highlight
    hits = [
        Hit(
            row.id,
            row.case_id,
            row.title,
            row.source,
            row.source_key,
            row.language,
            row.number,
            row.full_name,
            row.at,
            snippet(row.body, wanted),
            float(row.rank),
        )
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    return SearchPage(hits, (hits[-1].rank, hits[-1].entry_id) if more and hits else None)
