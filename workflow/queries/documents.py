"""Read side of an agreement's files: one version with its file, the signed originals, and how
each signed original compares with the approved text.

Callers check that the viewer may see the case first (``can_view``); these functions only read.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.persistence.documents import SignedOriginal
from workflow.persistence.models import DocumentVersion, User
from workflow.services.casework import approved_documents


@dataclass(frozen=True)
class StoredVersion:
    """A version of one language's text, with what is known of its file."""

    language: str
    number: int
    filename: str | None
    sha256: str
    blob_sha256: str | None
    media_type: str
    byte_size: int | None
    pages: int | None
    has_text: bool
    text: str
    note: str | None
    created_at: dt.datetime
    author: str | None


@dataclass(frozen=True)
class SignedCopy:
    id: int
    party: str
    number: int
    filename: str | None
    blob_sha256: str
    media_type: str
    byte_size: int
    pages: int | None
    has_text: bool
    text: str
    created_at: dt.datetime
    author: str | None


@dataclass(frozen=True)
class SignedComparison:
    """The latest signed copy of one party against the approved texts.

    ``matches``: the languages whose approved text is found, word for word, in the signed copy's
    text layer; ``differs``: those not found. Both are empty for a scan without text, which the
    page says plainly (compare by eye, with both hashes shown).
    """

    copy: SignedCopy
    matches: tuple[str, ...]
    differs: tuple[str, ...]


def version(session: Session, case_id: int, language: str, number: int) -> StoredVersion | None:
    row = session.execute(
        select(
            DocumentVersion.language,
            DocumentVersion.number,
            DocumentVersion.filename,
            DocumentVersion.sha256,
            DocumentVersion.blob_sha256,
            DocumentVersion.media_type,
            DocumentVersion.byte_size,
            DocumentVersion.pages,
            DocumentVersion.has_text,
            DocumentVersion.text,
            DocumentVersion.note,
            DocumentVersion.created_at,
            User.full_name,
        )
        .outerjoin(User, User.id == DocumentVersion.created_by)
        .where(
            DocumentVersion.case_id == case_id,
            DocumentVersion.language == language,
            DocumentVersion.number == number,
        )
    ).one_or_none()
    return StoredVersion(*row) if row else None


def signed_copies(session: Session, case_id: int) -> list[SignedCopy]:
    """Every signed copy, the latest of each party first."""
    rows = session.execute(
        select(
            SignedOriginal.id,
            SignedOriginal.party,
            SignedOriginal.number,
            SignedOriginal.filename,
            SignedOriginal.blob_sha256,
            SignedOriginal.media_type,
            SignedOriginal.byte_size,
            SignedOriginal.pages,
            SignedOriginal.has_text,
            SignedOriginal.text,
            SignedOriginal.created_at,
            User.full_name,
        )
        .outerjoin(User, User.id == SignedOriginal.created_by)
        .where(SignedOriginal.case_id == case_id)
        .order_by(SignedOriginal.party.desc(), SignedOriginal.number.desc())
    ).all()
    return [SignedCopy(*r) for r in rows]


def signed_copy(session: Session, case_id: int, party: str, number: int) -> SignedCopy | None:
    for copy in signed_copies(session, case_id):
        if copy.party == party and copy.number == number:
            return copy
    return None


def approved_texts(session: Session, case_id: int) -> dict[str, dict]:
    """``{language: {number, sha256}}`` of the versions the last approving review pinned."""
    return dict(approved_documents(session, case_id) or {})


_WORD = re.compile(r"\w+", re.UNICODE)


def comparable_words(text: str) -> str:
    """Words only, case-folded: line breaks, hyphenation spaces and punctuation differ between a
    Word file and the PDF printed from it, the words do not."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(_WORD.findall(text))


def compare_signed(session: Session, case_id: int) -> list[SignedComparison]:
    """The latest signed copy of each party, compared with every approved language's text."""
    approved = approved_texts(session, case_id)
    texts: dict[str, str] = {}
    for language, pinned in approved.items():
        found = version(session, case_id, language, int(pinned["number"]))
        if found is not None and found.has_text:
            texts[language] = comparable_words(found.text)
    latest: dict[str, SignedCopy] = {}
    for copy in signed_copies(session, case_id):
        latest.setdefault(copy.party, copy)
    result = []
    for copy in latest.values():
        if not copy.has_text or not texts:
            result.append(SignedComparison(copy, (), ()))
            continue
        signed = comparable_words(copy.text)
        matches = tuple(sorted(lang for lang, words in texts.items() if words and words in signed))
        differs = tuple(sorted(lang for lang in texts if lang not in matches))
        result.append(SignedComparison(copy, matches, differs))
    return result
