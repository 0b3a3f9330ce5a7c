"""Keeping ``search_entries`` current, inside the caller's transaction.

Every function takes the service's session and writes with it, so the entry commits or rolls
back with the change it reflects; none commits. An entry whose text becomes empty is deleted.
The SQLite FTS5 table and the PostgreSQL ``tsvector`` follow the row by themselves (triggers,
generated column: ``workflow.persistence.search``); what this module adds is ``stems`` on SQLite.

Callers and what they index:

- ``create_case`` / ``update_fields`` → ``index_case_titles`` (title, title in the partner's
  language, partner names);
- ``append_case_event`` → ``index_comment`` for every event that carries a comment
  (transitions, votes, document notes, meeting notes);
- ``add_document`` → ``index_document(session, case_id, language, number, text)``: the latest
  version of each language replaces the previous one; ``text=""`` removes the entry;
- plan items → ``index_activity``.

Concurrency: the case's row is locked by the service (or the case is new), so two writers of
one case's entries never race; the upsert would settle it anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow.persistence.models import AuditEvent, Case, DocumentVersion, Organization
from workflow.persistence.plans import PlanItem
from workflow.persistence.search import SearchEntry
from workflow.search.text import lexemes

entries_t = SearchEntry.__table__

# Documents are indexed up to this many characters, on both backends alike: a tsvector may not
# exceed 1 MB, and a 2-million-character text of distinct tokens would; a real agreement is
# 10-100 thousand characters.
MAX_INDEXED_CHARS = 200_000
TITLE_KEYS = {"main": "title", "partner": "title_partner"}


def _stems(session: Session, body: str) -> str | None:
    if session.get_bind().dialect.name != "sqlite":
        return None
    return " ".join(lexemes(body))


def put_entry(
    session: Session,
    case_id: int,
    source: str,
    key: str,
    body: str | None,
    **label: Any,
) -> None:
    """Insert or replace the entry (case, source, key); delete it when ``body`` is empty."""
    body = (body or "").strip()
    if not body:
        remove_entry(session, case_id, source, key)
        return
    values = {
        "case_id": case_id,
        "source": source,
        "source_key": key,
        "language": label.get("language"),
        "number": label.get("number"),
        "author_id": label.get("author_id"),
        "at": label.get("at"),
        "body": body,
        "stems": _stems(session, body),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(entries_t).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["case_id", "source", "source_key"],
        set_={k: statement.excluded[k] for k in values if k not in ("case_id", "source")},
    )
    session.execute(statement)


def remove_entry(session: Session, case_id: int, source: str, key: str | None = None) -> None:
    """Delete the entry (case, source, key), or every entry of ``source`` when ``key`` is None."""
    condition = [entries_t.c.case_id == case_id, entries_t.c.source == source]
    if key is not None:
        condition.append(entries_t.c.source_key == key)
    session.execute(delete(entries_t).where(*condition))


def partner_names(fields: dict[str, Any], org: Organization | None) -> str:
    """The partner's names as one text: its directory entry's, then the case's own fields."""
    partner = fields.get("partner") if isinstance(fields.get("partner"), dict) else {}
    names = []
    if org is not None:
        names += [org.name_ru, org.name_en, org.name_native]
    names += [partner.get("name_ru"), partner.get("name_partner")]
    unique = dict.fromkeys(n.strip() for n in names if isinstance(n, str) and n.strip())
    return " / ".join(unique)


def index_case_titles(session: Session, case_id: int) -> None:
    """(Re)index the title, the partner-language title and the partner's names of a case."""
    case = session.execute(
        select(Case.title, Case.title_partner, Case.fields, Case.partner_org_id).where(
            Case.id == case_id
        )
    ).one()
    org_id = case.partner_org_id
    fields = case.fields or {}
    if org_id is None and isinstance(fields.get("partner"), dict):
        candidate = fields["partner"].get("org_id")
        org_id = candidate if isinstance(candidate, int) else None
    org = session.get(Organization, org_id) if org_id is not None else None
    put_entry(session, case_id, "title", "main", case.title)
    put_entry(session, case_id, "title", "partner", case.title_partner)
    put_entry(session, case_id, "partner", "", partner_names(fields, org))


def index_document(session: Session, case_id: int, language: str, number: int, text: str) -> None:
    """Index version ``number`` of the text in ``language`` in place of the previous version;
    ``text=""`` removes that language's entry."""
    put_entry(
        session,
        case_id,
        "document",
        language,
        (text or "")[:MAX_INDEXED_CHARS],
        language=language,
        number=number,
    )


def index_comment(
    session: Session,
    case_id: int,
    seq: int,
    author_id: int | None,
    at: dt.datetime,
    text: str | None,
) -> None:
    """Index the comment of the case's audit event ``seq`` (written by ``author_id`` at ``at``).

    Deviation from "event id" in the design notes: the audit INSERT is deferred (see
    ``workflow.persistence.direct``), so its id is unknown here; (case, seq) names the event
    as uniquely and never changes.
    """
    put_entry(session, case_id, "comment", str(seq), text, author_id=author_id, at=at)


def index_activity(session: Session, case_id: int, item_id: int, number: int, title: str) -> None:
    """Index the title of plan item ``item_id`` (number ``number``) of plan ``case_id``."""
    put_entry(session, case_id, "activity", str(item_id), title, number=number)


def reindex_case(session: Session, case_id: int) -> None:
    """Rebuild every entry of one case from the current data."""
    session.execute(delete(entries_t).where(entries_t.c.case_id == case_id))
    index_case_titles(session, case_id)
    latest = {}
    for doc in session.execute(
        select(DocumentVersion.language, DocumentVersion.number, DocumentVersion.text)
        .where(DocumentVersion.case_id == case_id)
        .order_by(DocumentVersion.language, DocumentVersion.number)
    ):
        latest[doc.language] = doc
    for doc in latest.values():
        index_document(session, case_id, doc.language, doc.number, doc.text)
    for event in session.execute(
        select(AuditEvent.seq, AuditEvent.actor_id, AuditEvent.created_at, AuditEvent.comment)
        .where(AuditEvent.case_id == case_id, AuditEvent.comment.is_not(None))
        .order_by(AuditEvent.seq)
    ):
        index_comment(session, case_id, event.seq, event.actor_id, event.created_at, event.comment)
    for item in session.execute(
        select(PlanItem.id, PlanItem.number, PlanItem.title).where(PlanItem.plan_case_id == case_id)
    ):
        index_activity(session, case_id, item.id, item.number, item.title)


def reindex_all(session: Session) -> int:
    """Rebuild the whole index from the current data (after the migration that adds it, or to
    repair it); returns the number of cases. The caller commits; on a large database run it
    in a quiet hour, it rewrites every entry in one transaction."""
    session.execute(delete(entries_t))
    case_ids = list(session.scalars(select(Case.id).order_by(Case.id)))
    for case_id in case_ids:
        reindex_case(session, case_id)
    return len(case_ids)
