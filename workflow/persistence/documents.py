"""Stored files: the bytes of every uploaded document, once per content, and the signed originals.

``document_blobs`` is content-addressed: the key is the SHA-256 of the bytes, so the same file
uploaded twice (a resubmitted round with an unchanged text, the same scan attached to two cases)
is stored once. A blob is written in the same transaction as the version row that names it, so a
rolled-back upload leaves nothing behind and a database backup holds every file.

On PostgreSQL the column's storage is EXTERNAL (out of line, uncompressed): uploads are mostly
compressed already (DOCX, ODT and PDF are zip or deflate inside), and uncompressed TOAST lets a
download read the value slice by slice (``substr``) instead of detoasting all of it per slice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from workflow.persistence.base import Base, UTCDateTime
from workflow.persistence.models import BigId

# The parties whose signed copy is recorded: the Russian side and the foreign partner.
SIGNING_PARTIES = ("russian", "partner")


class DocumentBlob(Base):
    __tablename__ = "document_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    byte_size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


EXTERNAL_STORAGE = DDL(
    "ALTER TABLE document_blobs ALTER COLUMN content SET STORAGE EXTERNAL"
).execute_if(dialect="postgresql")
event.listen(DocumentBlob.__table__, "after_create", EXTERNAL_STORAGE)


class SignedOriginal(Base):
    """The copy one party signed (usually a scanned PDF), as uploaded; never overwritten.

    ``number`` counts uploads per party (a clearer scan replaces a blurred one as number 2); the
    latest is the one the page compares with the approved text.
    """

    __tablename__ = "signed_originals"
    __table_args__ = (UniqueConstraint("case_id", "party", "number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    party: Mapped[str] = mapped_column(String(12))  # russian | partner
    number: Mapped[int] = mapped_column(Integer)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("document_blobs.sha256"), index=True)
    filename: Mapped[str | None] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(120))
    byte_size: Mapped[int] = mapped_column(BigInteger)
    pages: Mapped[int | None] = mapped_column(Integer)
    has_text: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
