"""Read members of an untrusted zip (DOCX, ODT) without letting it choose what that costs.

Two checks, because the central directory can lie:

1. Before anything is inflated, the central directory is checked: the member count, the sum of
   the declared uncompressed sizes and each large member's compression ratio. A zip bomb (one
   member of 1 GB at 1000:1) is refused here, having cost only the directory read.
2. While a member is inflated, in bounded chunks, the bytes actually produced are counted against
   what its directory entry declared and against one budget shared by every read from the archive.

Every failure of the zip itself becomes a ``DocumentRefused``; a missing member is the caller's
business (``KeyError``), since what is required depends on the format.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

from workflow.documents import refusals
from workflow.documents.model import Limits

# DEFLATE tops out near 1032:1; real DOCX/ODT XML stays far below (the corpus peaks at 38:1).
MAX_RATIO = 200
# Members smaller than this cannot hurt whatever their ratio (a page of spaces compresses well).
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024

# What a damaged member raises while being inflated (bz2 reports bad data as OSError).
_INFLATE_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError)


class SafeZip:
    """An archive whose central directory passed the limits; read members with ``read``."""

    def __init__(self, data: bytes, limits: Limits, kind: str | None = None):
        self._kind = kind
        self._limits = limits
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
            raise refusals.corrupt(kind) from error
        except NotImplementedError as error:  # a zip format version zipfile does not read
            raise refusals.corrupt(kind) from error
        infos = self._zip.infolist()
        if len(infos) > limits.max_zip_members:
            raise self._bomb("members")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            # Two members of one name: readers disagree on which is "the" part; refuse.
            raise refusals.corrupt(kind)
        if sum(info.file_size for info in infos) > limits.max_uncompressed_bytes:
            raise self._bomb("uncompressed_size")
        for info in infos:
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise self._bomb("ratio")
        self._infos = {info.filename: info for info in infos}
        self._budget = limits.max_uncompressed_bytes

    def names(self) -> list[str]:
        return list(self._infos)

    def __contains__(self, name: str) -> bool:
        return name in self._infos

    def declared_size(self, name: str) -> int:
        """The uncompressed size the central directory declares (a claim, not a fact)."""
        return self._infos[name].file_size

    def read(self, name: str) -> bytes:
        """The member's bytes; ``KeyError`` if absent, ``DocumentRefused`` if it misbehaves."""
        info = self._infos[name]
        if info.flag_bits & 0x1:
            raise refusals.encrypted(self._kind)
        chunks: list[bytes] = []
        produced = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(CHUNK_BYTES):
                    produced += len(chunk)
                    if produced > info.file_size or produced > self._budget:
                        raise self._bomb("uncompressed_size")
                    chunks.append(chunk)
        except NotImplementedError as error:  # a compression method zipfile lacks
            raise refusals.corrupt(self._kind) from error
        except _INFLATE_ERRORS as error:
            raise refusals.corrupt(self._kind) from error
        self._budget -= produced
        return b"".join(chunks)

    def _bomb(self, exceeded: str) -> refusals.DocumentRefused:
        return refusals.zip_bomb(
            exceeded,
            refusals.megabytes(self._limits.max_uncompressed_bytes),
            self._limits.max_zip_members,
        )
