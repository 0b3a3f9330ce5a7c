"""Why a file was refused: a stable machine ``reason``, a sentence for a clerk, and its ``params``.

The web layer translates by ``reason`` and fills the translation from ``params``, so every
refusal of one reason carries the same keys. The constructors below are the only place that
writes the English messages, which keeps them consistent.
"""

from __future__ import annotations

from typing import Any

from workflow.errors import InvalidInput

ACCEPTED_NAMES = "DOCX, ODT, PDF, RTF or plain text"
MIB = 1024 * 1024


class DocumentRefused(InvalidInput):
    """reason: a stable machine code; params: values for the message (e.g. limit, found)."""

    def __init__(self, reason: str, message: str, params: dict[str, Any] | None = None):
        super().__init__(message, errors={"file": message})
        self.reason = reason
        self.params = dict(params or {})


class FileTooLarge(DocumentRefused):
    """The file itself is over ``Limits.max_bytes``; the web maps this to HTTP 413."""


def megabytes(n: int) -> int | float:
    """``n`` bytes in MiB, whole when it divides evenly (25, not 25.0)."""
    value = n / MIB
    return int(value) if value.is_integer() else round(value, 1)


def empty() -> DocumentRefused:
    return DocumentRefused("empty", "The file is empty. Choose the document again and upload it.")


def too_large(limit_bytes: int, size_bytes: int) -> FileTooLarge:
    limit_mb = megabytes(limit_bytes)
    return FileTooLarge(
        "too_large",
        f"The file is larger than {limit_mb} MB. Make it smaller (for example, compress the "
        "pictures or split the document) and upload it again.",
        {"limit_mb": limit_mb, "limit_bytes": limit_bytes, "size_bytes": size_bytes},
    )


def unsupported_kind(detected: str, hint: str | None = None) -> DocumentRefused:
    """``detected`` names what the content looked like ("doc", "zip", "executable", "binary")."""
    message = f"This type of file is not accepted. Upload a {ACCEPTED_NAMES} document."
    if hint:
        message = f"{hint} {message}"
    return DocumentRefused(
        "unsupported_kind", message, {"accepted": ACCEPTED_NAMES, "detected": detected}
    )


def legacy_word() -> DocumentRefused:
    return unsupported_kind(
        "doc", "This looks like an old Word document (.doc). Open it in Word and save it as .docx."
    )


def corrupt(kind: str | None) -> DocumentRefused:
    return DocumentRefused(
        "corrupt",
        "The file is damaged and cannot be read. Open it in the program that made it, save it "
        "again and upload the new copy.",
        {"kind": kind},
    )


def encrypted(kind: str | None) -> DocumentRefused:
    return DocumentRefused(
        "encrypted",
        "The file is password-protected. Remove the password (in Word, LibreOffice or your PDF "
        "program) and upload it again.",
        {"kind": kind},
    )


def zip_bomb(exceeded: str, limit_mb: int | float, limit_members: int) -> DocumentRefused:
    """``exceeded``: "members", "uncompressed_size" or "ratio"."""
    return DocumentRefused(
        "zip_bomb",
        "The file unpacks to far more data than a document should (over "
        f"{limit_mb} MB or {limit_members} parts), so it was not opened. Save it again from "
        "Word or LibreOffice and upload the new copy.",
        {"exceeded": exceeded, "limit_mb": limit_mb, "limit_members": limit_members},
    )


def external_entity(part: str) -> DocumentRefused:
    return DocumentRefused(
        "external_entity",
        "The document contains a declaration (DOCTYPE) that could make the server read other "
        "files, so it was not opened. Save it again from Word or LibreOffice and upload it.",
        {"part": part},
    )


def too_many_pages(limit: int, found: int) -> DocumentRefused:
    return DocumentRefused(
        "too_many_pages",
        f"The PDF has {found} pages; at most {limit} are accepted. Split it into several files.",
        {"limit": limit, "found": found},
    )


def unknown_encoding(tried: str) -> DocumentRefused:
    return DocumentRefused(
        "unknown_encoding",
        "The characters of this text file could not be recognised with certainty. Save it as "
        "UTF-8 (in Notepad: Save as, Encoding UTF-8) and upload it again.",
        {"tried": tried},
    )


def text_too_long(limit: int, found: int) -> DocumentRefused:
    """``found`` is a lower bound when extraction stopped early."""
    return DocumentRefused(
        "text_too_long",
        f"The document has more than {limit} characters of text. Split it into several files.",
        {"limit": limit, "found": found},
    )
