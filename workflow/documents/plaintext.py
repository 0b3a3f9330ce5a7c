"""Decode a plain-text upload, or refuse it: never store mojibake, never store binary junk.

Order of decisions:

1. A byte-order mark is certain: UTF-8, UTF-16 LE/BE.
2. Without one, a NUL byte or a high share of control characters means binary (an executable,
   an image, UTF-16 without BOM): ``unsupported_kind``.
3. Strict UTF-8 (ASCII included): almost nothing else decodes as UTF-8 by accident.
4. Else charset-normalizer's best guess among the single-byte Cyrillic code pages Russian text
   still arrives in (cp1251, cp866, KOI8-R). No plausible candidate (a Latin-1 French file,
   random bytes that slipped past 2) is ``unknown_encoding``: asking for UTF-8 beats guessing.

Newlines are left to ``text.normalize``; combining accents are kept as written.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from workflow.documents import refusals

LEGACY_CODE_PAGES = ("cp1251", "cp866", "koi8_r")
TRIED = "UTF-8, UTF-16 (with BOM), Windows-1251, CP866, KOI8-R"
MAX_CONTROL_SHARE = 0.05
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_TEXT_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1a")  # \x1a: DOS end-of-file, common in cp866 files


def decode(data: bytes) -> tuple[str, str]:
    """(text, codec name) for a file already known not to be another accepted kind."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as error:
                raise refusals.unknown_encoding(TRIED) from error
            _refuse_binary(text)
            return text, encoding
    if b"\x00" in data:
        raise refusals.unsupported_kind("binary")
    _refuse_binary(data.decode("latin-1"))  # control bytes are the same in every candidate
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(LEGACY_CODE_PAGES)).best()
    if best is None:
        raise refusals.unknown_encoding(TRIED)
    return str(best), codecs.lookup(best.encoding).name


def _refuse_binary(text: str) -> None:
    controls = sum(1 for char in text if char < " " and char not in _TEXT_CONTROLS)
    if controls > MAX_CONTROL_SHARE * len(text) or "\x00" in text:
        raise refusals.unsupported_kind("binary")
