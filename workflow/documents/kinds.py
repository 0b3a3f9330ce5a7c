"""Which accepted kind an upload is, decided by its content only (there is no name to trust).

* ``%PDF-`` at the start: PDF (``pdf.extract`` then proves pypdf can open it).
* ``{\\rtf``: RTF.
* A zip (``PK``): its central directory is checked first (``SafeZip``), then ODT if the
  ``mimetype`` member says OpenDocument text, DOCX if ``[Content_Types].xml`` declares a
  WordprocessingML main part; any other zip (XLSX, EPUB, an archive) is ``unsupported_kind``.
* OLE2/CFB (``D0 CF 11 E0``): an encrypted OOXML package (it holds an ``EncryptionInfo``
  stream) is ``encrypted``; otherwise a legacy .doc/.xls: ``unsupported_kind`` (save as .docx).
* Executables and common binary formats: ``unsupported_kind``.
* Anything else is offered to ``plaintext.decode``, which refuses binary junk itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow.documents import docx, odt, refusals
from workflow.documents.model import Limits
from workflow.documents.zipsafe import SafeZip

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")
_EXECUTABLES = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",  # Mach-O 64
    b"\xce\xfa\xed\xfe",  # Mach-O 32
    b"\xca\xfe\xba\xbe",  # Mach-O universal / Java class
)
_BINARIES = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"Rar!",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",  # gzip
)


@dataclass(frozen=True)
class Sniffed:
    """The kind; for DOCX and ODT also the checked archive (and DOCX's main part name)."""

    kind: str
    archive: SafeZip | None = None
    main_part: str | None = None


def sniff(data: bytes, limits: Limits) -> Sniffed:
    if data.startswith(b"%PDF-"):
        return Sniffed("pdf")
    if data.startswith(b"{\\rtf"):
        return Sniffed("rtf")
    if data.startswith(_ZIP):
        return _sniff_zip(SafeZip(data, limits))
    if data.startswith(_OLE2):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise refusals.encrypted(None)
        if "WordDocument".encode("utf-16-le") in data:
            raise refusals.legacy_word()
        raise refusals.unsupported_kind("ole2")
    if data.startswith(_EXECUTABLES):
        raise refusals.unsupported_kind("executable")
    if data.startswith(_BINARIES):
        raise refusals.unsupported_kind("binary")
    return Sniffed("txt")


def _sniff_zip(archive: SafeZip) -> Sniffed:
    if odt.is_odt(archive):
        return Sniffed("odt", archive)
    main = docx.main_part_name(archive)
    if main:
        return Sniffed("docx", archive, main)
    raise refusals.unsupported_kind("zip")
