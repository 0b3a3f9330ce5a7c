"""Adding versions of an agreement's texts (typed in, or as a file) and the signed originals.

A file is checked and its text extracted (``workflow.documents.ingest``) *before* the
transaction opens: parsing a 25 MB PDF holds no lock. Then, in one transaction: the case row is
locked and its version checked, the bytes go to the blob store (once per content), the version
row and the audit event are written, and the search index is updated. A refused or rolled-back
upload leaves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from workflow.documents import Ingested, ingest
from workflow.errors import InvalidInput, PermissionDenied
from workflow.events import DocumentAdded, dispatch
from workflow.persistence.documents import SIGNING_PARTIES, SignedOriginal
from workflow.persistence.models import DocumentVersion
from workflow.policy import Actor
from workflow.search.index import index_document
from workflow.services.case_log import append_case_event
from workflow.services.cases import may_edit
from workflow.services.casework import visible_case

if TYPE_CHECKING:
    from workflow.engine import Engine

docs_t = DocumentVersion.__table__
signed_t = SignedOriginal.__table__

MAX_FILENAME = 300
# The slot of the annual report's versions (drafted by the system, edited in Word, uploaded
# again): a "language" of its own, editable where a state lists ``reports`` (in force), while
# the agreement's texts stay fixed there.
REPORT_LANGUAGE = "report"


@dataclass(frozen=True)
class AddedVersion:
    number: int
    sha256: str
    media_type: str
    has_text: bool


def _language(language: str | None) -> str:
    language = (language or "").strip().lower()
    if not language or len(language) > 8 or not language.isalpha() or not language.isascii():
        raise InvalidInput(
            "Give the language as a code such as 'ru', 'en' or 'zh'.",
            {"language": "Invalid language code."},
        )
    return language


def clean_filename(name: str | None) -> str | None:
    """The last path segment of a client's file name, without control characters."""
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:MAX_FILENAME] or None


def _editable_case(engine: Engine, session: Session, case_id, actor, expected_version, token):
    case = visible_case(engine, session, case_id, actor, expected_version)
    definition = engine.catalog.get(case.definition_id, session).definition
    state = definition.states[case.state]
    if token not in state.editable and "*" not in state.editable:
        what = {"documents": "Documents", "reports": "The annual report"}.get(
            token, "Signed originals"
        )
        raise InvalidInput(f"{what} cannot be changed in state '{case.state}'.")
    if not may_edit(definition, case, actor):
        raise PermissionDenied("You may not change the documents in this state.")
    return case


def _next_number(session: Session, table, case_id: int, within) -> int:
    """1, 2, … within one language (or party) of a case. The case row is locked by the caller,
    so two uploads to one case cannot take the same number."""
    latest = session.scalar(
        select(func.max(table.c.number)).where(table.c.case_id == case_id, within)
    )
    return (latest or 0) + 1


def add_text_version(
    engine: Engine,
    case_id: int,
    actor: Actor,
    language: str,
    text: str,
    filename: str | None,
    note: str | None,
    expected_version: int | None,
) -> AddedVersion:
    """A version typed in (or sent as JSON): stored as a UTF-8 text file."""
    language = _language(language)
    limit = engine.document_limits.max_text_chars
    if not text or not text.strip():
        raise InvalidInput("The document text is empty.", {"text": "Required."})
    if len(text) > limit:
        raise InvalidInput("The document is too long.", {"text": f"At most {limit:,} characters."})
    data = text.encode("utf-8")
    document = Ingested(
        kind="txt",
        media_type="text/plain",
        extension=".txt",
        text=text,
        has_text=True,
        pages=None,
        encoding="utf-8",
        notes=(),
    )
    return _store_version(
        engine, case_id, actor, language, data, document, filename, note, expected_version
    )


def add_file_version(
    engine: Engine,
    case_id: int,
    actor: Actor,
    language: str,
    data: bytes,
    filename: str | None,
    note: str | None,
    expected_version: int | None,
) -> AddedVersion:
    """A version uploaded as a file (DOCX, ODT, PDF, RTF, TXT), its kind decided by content."""
    language = _language(language)
    document = ingest(data, engine.document_limits)  # raises DocumentRefused
    return _store_version(
        engine, case_id, actor, language, data, document, filename, note, expected_version
    )


def _store_version(
    engine: Engine,
    case_id: int,
    actor: Actor,
    language: str,
    data: bytes,
    document: Ingested,
    filename: str | None,
    note: str | None,
    expected_version: int | None,
) -> AddedVersion:
    now = engine.clock.now()
    filename = clean_filename(filename)
    with engine.uow() as uow:
        session = uow.session
        token = "reports" if language == REPORT_LANGUAGE else "documents"
        case = _editable_case(engine, session, case_id, actor, expected_version, token)
        number = _next_number(session, docs_t, case.id, docs_t.c.language == language)
        digest = engine.blobs.put(session, data, now)
        session.execute(
            insert(docs_t).values(
                case_id=case.id,
                language=language,
                number=number,
                filename=filename,
                text=document.text,
                sha256=digest,
                note=note,
                created_by=actor.user_id,
                created_at=now,
                blob_sha256=digest,
                media_type=document.media_type,
                byte_size=len(data),
                pages=document.pages,
                has_text=document.has_text,
            )
        )
        append_case_event(
            session,
            case,
            kind="document",
            actor_id=actor.user_id,
            now=now,
            comment=note,
            data={
                "language": language,
                "number": number,
                "sha256": digest,
                "filename": filename,
                "media_type": document.media_type,
                "byte_size": len(data),
            },
        )
        # Only the latest version of a language is searchable; a scan has no text to find.
        index_document(session, case.id, language, number, document.text)
        dispatch(
            engine.handlers, session, now, [DocumentAdded(case.id, language, number, actor.user_id)]
        )
        uow.commit()
    return AddedVersion(number, digest, document.media_type, document.has_text)


def add_signed_original(
    engine: Engine,
    case_id: int,
    actor: Actor,
    party: str,
    data: bytes,
    filename: str | None,
    note: str | None,
    expected_version: int | None,
) -> AddedVersion:
    """Record the copy ``party`` signed (usually a scanned PDF)."""
    if party not in SIGNING_PARTIES:
        raise InvalidInput(
            "Say whose signed copy this is: 'russian' or 'partner'.",
            {"party": "One of: russian, partner."},
        )
    document = ingest(data, engine.document_limits)
    now = engine.clock.now()
    filename = clean_filename(filename)
    with engine.uow() as uow:
        session = uow.session
        case = _editable_case(engine, session, case_id, actor, expected_version, "signed_originals")
        number = _next_number(session, signed_t, case.id, signed_t.c.party == party)
        digest = engine.blobs.put(session, data, now)
        session.execute(
            insert(signed_t).values(
                case_id=case.id,
                party=party,
                number=number,
                blob_sha256=digest,
                filename=filename,
                media_type=document.media_type,
                byte_size=len(data),
                pages=document.pages,
                has_text=document.has_text,
                text=document.text,
                note=note,
                created_by=actor.user_id,
                created_at=now,
            )
        )
        append_case_event(
            session,
            case,
            kind="signed_original",
            actor_id=actor.user_id,
            now=now,
            comment=note,
            data={"party": party, "number": number, "sha256": digest, "filename": filename},
        )
        uow.commit()
    return AddedVersion(number, digest, document.media_type, document.has_text)
