"""Text of a PDF, through pypdf in its lenient mode (``strict=False``) so repairable files open.

Policies:

* Encryption: a PDF that opens with the empty password (an owner password restricting printing
  or copying only) is accepted; one that needs a password to open is refused ``encrypted``. So is
  an AES-encrypted PDF while the ``cryptography`` package is not installed: pypdf then cannot even
  test the empty password (``DependencyError``).
* The page count is checked before any page is read.
* A PDF whose pages yield no text (a scan) is accepted; ``ingest`` marks it ``has_text=False``
  with the note ``no_text_layer``, so nobody mistakes it for an indexed document.
* pypdf's own decompression limits (``LimitReachedError``) are a compression bomb: ``zip_bomb``.

Only pypdf's error hierarchy (``PyPdfError``) and its ``NotImplementedError`` (an unknown
filter) are translated to refusals; anything else is a bug and surfaces as one.
"""

from __future__ import annotations

import io
import re

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError

from workflow.documents import refusals
from workflow.documents.model import Limits
from workflow.documents.text import Lines

KIND = "pdf"
# Justified lines are spaced by the layout, not by the text: "Статья  2.  Стороны" is one space.
_LAYOUT_SPACING = re.compile(r"[ \t]{2,}")


def extract(data: bytes, limits: Limits, lines: Lines) -> int:
    """Add each page's text to ``lines`` and return the page count; refuse what cannot or must
    not be read."""
    try:
        reader = _open(data)
        pages = len(reader.pages)
        if pages > limits.max_pages:
            raise refusals.too_many_pages(limits.max_pages, pages)
        for page in reader.pages:
            lines.add(_LAYOUT_SPACING.sub(" ", page.extract_text() or ""))
    except FileNotDecryptedError as error:
        raise refusals.encrypted(KIND) from error
    except LimitReachedError as error:
        raise refusals.zip_bomb(
            "uncompressed_size",
            refusals.megabytes(limits.max_uncompressed_bytes),
            limits.max_zip_members,
        ) from error
    except PyPdfError as error:
        raise refusals.corrupt(KIND) from error
    except NotImplementedError as error:  # pypdf's word for an unknown filter or feature
        raise refusals.corrupt(KIND) from error
    return pages


def _open(data: bytes) -> PdfReader:
    """The reader, decrypted with the empty password if the PDF is encrypted at all."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)  # tries the empty password itself
        opened = not reader.is_encrypted or reader.decrypt("") != PasswordType.NOT_DECRYPTED
    except DependencyError as error:  # AES without the cryptography package
        raise refusals.encrypted(KIND) from error
    if not opened:
        raise refusals.encrypted(KIND)
    return reader
