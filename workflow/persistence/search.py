"""The full-text search index: one row per searchable text of a case, and each backend's index.

``search_entries`` holds, per case, its title (``source='title'``, key ``main``) and title in the
partner's language (key ``partner``), the partner's names (``partner``), the latest version of
the text in each language (``document``, key: the language), every comment in its history
(``comment``, key: the audit event's ``seq``, which unlike the event id is known before the
deferred audit INSERT runs) and its plan's activities (``activity``, key: the item id). The
unique key (case, source, source_key) makes re-indexing an upsert.

``body`` is the original text (snippets are cut from it); ``stems`` its lexemes
(``workflow.search.text``) joined by spaces, filled on SQLite only.

- PostgreSQL: a stored generated column ``body_tsv`` =
  ``to_tsvector('russian', translate(body, 'ёЁ' || stress marks, 'еЕ'))`` and a GIN index on it,
  both added by DDL after the table is created (metadata cannot declare a PostgreSQL-only
  column). Stored rather than an expression index: ranking (``ts_rank``) needs the vector of
  every matching row, and recomputing it from a document's body per hit would dominate a
  search. The ``translate`` is the folding ``workflow.search.text`` does on the SQLite side.
- SQLite: an FTS5 table ``search_fts`` with external content (``search_entries.stems``), kept
  current by the standard AFTER INSERT/DELETE/UPDATE triggers. Its ``ascii`` tokenizer with
  ``tokenchars '-./@_'`` splits on spaces only for what ``stems`` holds, so every lexeme
  (``научно-техническ``, ``04.01.1999``) is one FTS5 token.

Both are written by the same statement that writes the entry, so the index is current in the
writer's transaction. ``SQLITE_DDL`` / ``POSTGRESQL_DDL`` are what a migration must execute;
``include_object`` keeps Alembic's comparison away from these objects.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, UTCDateTime
from workflow.persistence.models import BigId

SOURCES = ("title", "partner", "document", "comment", "activity")


class SearchEntry(Base):
    __tablename__ = "search_entries"
    __table_args__ = (
        UniqueConstraint("case_id", "source", "source_key"),
        Index("ix_search_entries_author", "author_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(12))  # one of SOURCES
    source_key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(8))  # a document's language
    number: Mapped[int | None] = mapped_column(Integer)  # a document's version, an item's number
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )  # a comment's
    at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # a comment's date
    body: Mapped[str] = mapped_column(Text)
    stems: Mapped[str | None] = mapped_column(Text)  # SQLite only


FOLD_SQL = "translate(body, 'ёЁ' || U&'\\0301\\0300', 'еЕ')"

POSTGRESQL_DDL = (
    "ALTER TABLE search_entries ADD COLUMN body_tsv tsvector "
    f"GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, {FOLD_SQL})) STORED",
    "CREATE INDEX ix_search_entries_body_tsv ON search_entries USING gin (body_tsv)",
)

SQLITE_DDL = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(stems, content='search_entries', "
    "content_rowid='id', tokenize=\"ascii tokenchars '-./@_'\")",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, stems) VALUES ('delete', old.id, old.stems); "
    "INSERT INTO search_fts(rowid, stems) VALUES (new.id, new.stems); END",
)

_table = SearchEntry.__table__
for _statement in POSTGRESQL_DDL:
    event.listen(_table, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_DDL:
    event.listen(_table, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
# DROP TABLE drops the triggers with it, but not the FTS5 table.
event.listen(
    _table, "before_drop", DDL("DROP TABLE IF EXISTS search_fts").execute_if(dialect="sqlite")
)

FTS_TABLES = frozenset(
    {"search_fts", *(f"search_fts_{s}" for s in ("data", "idx", "content", "docsize", "config"))}
)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: leave out what ``POSTGRESQL_DDL``/``SQLITE_DDL`` create.

    For ``env.py`` (``context.configure(..., include_object=include_object)``) and for
    ``compare_metadata`` in ``tests/integration/test_migrations.py`` (in ``opts``).
    """
    if type_ == "table" and name in FTS_TABLES:
        return False
    if type_ == "column" and name == "body_tsv" and compare_to is None:
        return False
    return not (type_ == "index" and name == "ix_search_entries_body_tsv")
