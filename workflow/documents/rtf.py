"""Text of an RTF document, through striprtf.

RTF is 7-bit text that escapes other characters two ways, and both need care:

* ``\\'xx`` is a byte in the document's ANSI code page (``\\ansicpg1250``; cp1252 when absent)
  or its font's charset; striprtf decodes these itself once told the default. Raw 8-bit bytes,
  which some writers emit, are decoded with the same code page before striprtf sees the text.
  Undecodable bytes become U+FFFD rather than failing the whole document.
* ``\\uN`` is a UTF-16 code unit, so a character outside the BMP arrives as two surrogates that
  striprtf leaves apart. ``combine_surrogates`` pairs them; a lone one becomes U+FFFD (it could
  not be stored as UTF-8 anyway).
"""

from __future__ import annotations

import codecs
import re

from striprtf.striprtf import rtf_to_text

from workflow.documents import refusals

KIND = "rtf"
DEFAULT_CODE_PAGE = "cp1252"
_ANSICPG = re.compile(rb"\\ansicpg(\d{1,5})")
_HEADER_BYTES = 4096  # \ansicpg belongs to the header, before the font table ends


def code_page(data: bytes) -> str:
    """The codec of the declared ANSI code page, or cp1252 (RTF's default) if none we know."""
    match = _ANSICPG.search(data[:_HEADER_BYTES])
    if match:
        try:
            return codecs.lookup(f"cp{int(match.group(1))}").name
        except LookupError:
            pass
    return DEFAULT_CODE_PAGE


def extract(data: bytes) -> tuple[str, str]:
    """(raw text, the code page it was decoded with); ``corrupt`` if striprtf cannot parse it."""
    encoding = code_page(data)
    try:
        text = rtf_to_text(
            data.decode(encoding, errors="replace"), encoding=encoding, errors="replace"
        )
    except (TypeError, ValueError) as error:  # striprtf on a malformed control word ("\uc")
        raise refusals.corrupt(KIND) from error
    return combine_surrogates(text), encoding


def combine_surrogates(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
