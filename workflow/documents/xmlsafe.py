"""XML from an upload: no DOCTYPE, ever, and only defusedxml parses it here.

A DOCTYPE is how XML declares entities, and entities are how a document makes its reader fetch a
URL, read a local file or expand a billion laughs. No legitimate DOCX or ODT part has one, so
``refuse_doctype`` rejects any part that contains the marker (in UTF-8 or UTF-16) *before* a
library (mammoth's minidom, odfpy's SAX) sees it. What this package parses itself goes through
defusedxml with DTDs forbidden as a second line.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeElementTree

from workflow.documents import refusals

# "<" cannot appear unescaped in XML text, so the marker only occurs in a DOCTYPE (or inside a
# comment or CDATA, where refusing costs nothing). UTF-16 forms cover parts not in UTF-8.
_DOCTYPE_MARKERS = (
    b"<!DOCTYPE",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
)


def refuse_doctype(part: str, data: bytes) -> bytes:
    """``data`` unchanged, or ``external_entity`` if it declares a DOCTYPE."""
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        raise refusals.external_entity(part)
    return data


def parse(part: str, data: bytes, kind: str) -> ElementTree.Element:
    """The part's root element; ``corrupt`` if it is not well-formed XML."""
    refuse_doctype(part, data)
    try:
        return SafeElementTree.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as error:
        raise refusals.external_entity(part) from error
    except ElementTree.ParseError as error:
        raise refusals.corrupt(kind) from error


def iterparse(part: str, data: bytes, kind: str) -> Iterator[tuple[str, Any]]:
    """("start" | "end", element) events in document order, for parts too big to walk twice."""
    refuse_doctype(part, data)
    try:
        yield from SafeElementTree.iterparse(
            io.BytesIO(data), events=("start", "end"), forbid_dtd=True
        )
    except defusedxml.DefusedXmlException as error:
        raise refusals.external_entity(part) from error
    except ElementTree.ParseError as error:
        raise refusals.corrupt(kind) from error
