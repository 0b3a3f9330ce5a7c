"""The values the documents package speaks in: the limits a caller sets and the result it gets.

Both are frozen dataclasses so a result can be cached or passed between threads without copying.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCEPTED_KINDS = ("docx", "odt", "pdf", "rtf", "txt")

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "pdf": "application/pdf",
    "rtf": "application/rtf",
    "txt": "text/plain",
}


@dataclass(frozen=True)
class Limits:
    """What one upload may cost. Every limit is checked before the work it bounds is done."""

    max_bytes: int = 25 * 1024 * 1024  # the file itself
    max_pages: int = 1000  # PDF pages
    max_zip_members: int = 2000  # DOCX/ODT members
    # Sum over members, from the central directory AND enforced while inflating.
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_text_chars: int = 2_000_000


@dataclass(frozen=True)
class Ingested:
    """A checked document: its kind (from the content, never the name) and its text.

    ``text`` has one paragraph per line and is normalised (see ``text.normalize``); ``notes`` are
    machine codes of the policies that applied, for the page to explain what was left out.
    """

    kind: str  # one of ACCEPTED_KINDS
    media_type: str  # the IANA type of the kind
    extension: str  # ".docx" ... what a download should be called if its name lacks it
    text: str  # one paragraph per line, "" if none
    has_text: bool  # False for a scanned PDF without a text layer
    pages: int | None  # PDF page count, else None
    encoding: str | None  # detected source encoding for txt/rtf (a Python codec name), else None
    notes: tuple[str, ...]  # e.g. "tracked_deletions_excluded", "comments_excluded"
