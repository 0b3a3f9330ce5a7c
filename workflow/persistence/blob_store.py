"""Where the bytes of uploaded files live, behind a narrow interface.

Today that is the database (``document_blobs``): several web machines see the same files, one
backup holds the cases and their files together, and a file is written in the same transaction
as the version that names it. An object store (S3, MinIO) could implement the same four methods
later; it would have to give up the last property (write the object first, name it in the
transaction, and sweep unnamed objects), which is why the interface takes the caller's session.

Blobs are immutable and keyed by their SHA-256, so reading one slice at a time in separate short
transactions is consistent without holding a connection for a slow download.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from workflow.persistence.documents import DocumentBlob

blobs_t = DocumentBlob.__table__

# A download is read from the database in slices of this size: a 25 MB file never sits in the
# web process whole, and each slice is one short statement.
CHUNK_BYTES = 1024 * 1024

# Opens a new session (``Engine.session_factory``); each slice of a download uses its own.
SessionOpener = Callable[[], Session]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    def put(self, session: Session, data: bytes, now: dt.datetime) -> str:
        """Store ``data`` (idempotent); returns its SHA-256. Part of the caller's transaction."""

    def size(self, session: Session, sha256: str) -> int | None: ...

    def read(self, session: Session, sha256: str) -> bytes | None: ...

    def chunks(
        self,
        open_session: SessionOpener,
        sha256: str,
        size: int | None = None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> Iterator[bytes]:
        """The bytes in order, each slice read in its own short transaction; ``size`` when
        the caller knows it already (the version row keeps it)."""


class DatabaseBlobStore:
    def put(self, session: Session, data: bytes, now: dt.datetime) -> str:
        digest = sha256_of(data)
        values = {"sha256": digest, "byte_size": len(data), "content": data, "created_at": now}
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        # The same file uploaded twice (or by two people at once) is stored once.
        session.execute(insert(blobs_t).values(**values).on_conflict_do_nothing())
        return digest

    def size(self, session: Session, sha256: str) -> int | None:
        return session.scalar(select(blobs_t.c.byte_size).where(blobs_t.c.sha256 == sha256))

    def read(self, session: Session, sha256: str) -> bytes | None:
        return session.scalar(select(blobs_t.c.content).where(blobs_t.c.sha256 == sha256))

    def chunks(
        self,
        open_session: SessionOpener,
        sha256: str,
        size: int | None = None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> Iterator[bytes]:
        total = size
        if total is None:
            with open_session() as session:
                total = self.size(session, sha256)
        if total is None:
            return
        # substr counts from 1 on both backends, for bytea and BLOB alike.
        for offset in range(0, total, chunk_bytes):
            with open_session() as session:
                piece = session.scalar(
                    select(func.substr(blobs_t.c.content, offset + 1, chunk_bytes)).where(
                        blobs_t.c.sha256 == sha256
                    )
                )
            yield bytes(piece or b"")
