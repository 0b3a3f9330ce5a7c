"""Text and preview HTML of an ODT (OpenDocument text) package, through odfpy's element tree.

Loading: the package's members are read through ``SafeZip`` (capped) and checked for a DOCTYPE;
``content.xml`` and ``styles.xml`` are then fed to odfpy's own ``LoadParser`` over a defusedxml
SAX parser. We do not call ``odf.opendocument.load``: it opens the zip itself (every picture and
embedded object, uncapped) and prints, then swallows, XML errors, where we must refuse ``corrupt``.

Policies (each sets a note when it applied):

* Tracked changes: the body already holds the current text (insertions inline); deleted text
  lives in ``text:tracked-changes`` and is excluded (``tracked_deletions_excluded``).
* Comments (``office:annotation``) are excluded (``comments_excluded``).
* A password-protected package (``manifest:encryption-data``) is refused as ``encrypted``.

Order, as for DOCX: headers (master pages), body, notes, footers. One paragraph or heading per
line; list items and table cells are made of paragraphs, so each is a line.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from xml.sax import SAXException, handler

import defusedxml
import defusedxml.sax
from odf.element import Element
from odf.load import LoadParser
from odf.namespaces import OFFICENS, STYLENS, SVGNS, TABLENS, TEXTNS
from odf.opendocument import OpenDocument

from workflow.documents import refusals, xmlsafe
from workflow.documents.text import Lines
from workflow.documents.zipsafe import SafeZip

KIND = "odt"
MIMETYPE = "application/vnd.oasis.opendocument.text"
_MANIFEST = "META-INF/manifest.xml"
_ENCRYPTION_DATA = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}encryption-data"
MAX_SPACES = 100  # text:s c="…": a hostile count must not become a gigabyte of spaces

_PARAGRAPHS = frozenset({(TEXTNS, "p"), (TEXTNS, "h")})
_NOTE_BODY = (TEXTNS, "note-body")
# Subtrees with no current text: deletions, comments, note numbers, alt text of drawings.
_SKIPPED = frozenset(
    {
        (TEXTNS, "tracked-changes"),
        (OFFICENS, "annotation"),
        (TEXTNS, "note-citation"),
        (SVGNS, "title"),
        (SVGNS, "desc"),
        (TABLENS, "covered-table-cell"),
    }
)
_INLINE = {(TEXTNS, "tab"): "\t", (TEXTNS, "line-break"): "\n"}
_SPACE = (TEXTNS, "s")
_HEADERS = frozenset({"header", "header-left", "header-first"})
_FOOTERS = frozenset({"footer", "footer-left", "footer-first"})


def is_odt(archive: SafeZip) -> bool:
    """Whether the package's ``mimetype`` member names an OpenDocument text."""
    return "mimetype" in archive and archive.read("mimetype").strip() == MIMETYPE.encode()


def load(archive: SafeZip) -> OpenDocument:
    """The document's element tree; refuses encrypted, hostile or malformed packages."""
    if _MANIFEST in archive:
        manifest = xmlsafe.parse(_MANIFEST, archive.read(_MANIFEST), KIND)
        if manifest.find(f".//{_ENCRYPTION_DATA}") is not None:
            raise refusals.encrypted(KIND)
    if "content.xml" not in archive:
        raise refusals.corrupt(KIND)
    document = OpenDocument(MIMETYPE, add_generator=False)
    for part in ("content.xml", "styles.xml"):
        if part in archive:
            _parse_into(document, part, xmlsafe.refuse_doctype(part, archive.read(part)))
    return document


def extract(document: OpenDocument, lines: Lines) -> tuple[str, ...]:
    """Add the document's paragraphs to ``lines``; return the notes that applied."""
    notes: set[str] = set()
    headers, footers = _master_page_parts(document)
    body_lines: list[str] = []
    note_lines: list[str] = []
    for part in headers:
        _collect(part, notes, lines.add, lines.add)
    for part in _office_text(document):
        _collect(part, notes, body_lines.append, note_lines.append)
    lines.extend(body_lines)
    lines.extend(note_lines)
    for part in footers:
        _collect(part, notes, lines.add, lines.add)
    return tuple(sorted(notes))


def to_html(document: OpenDocument) -> str:
    """The body as small HTML (p, h1–h6, ul/li, table/tr/td), every string escaped."""
    out: list[str] = []
    for root in _office_text(document):
        stack: list[Element | str] = list(reversed(root.childNodes))
        while stack:
            node = stack.pop()
            if isinstance(node, str):  # a closing tag scheduled below
                out.append(node)
            elif node.nodeType == node.TEXT_NODE:
                out.append(html.escape(node.data))
            elif node.qname in _SKIPPED or node.qname == (TEXTNS, "note"):
                continue
            elif node.qname in _INLINE:
                out.append("<br>" if node.qname == (TEXTNS, "line-break") else " ")
            elif node.qname == _SPACE:
                out.append(" " * _space_count(node))
            else:
                tag = _html_tag(node)
                if tag:
                    out.append(f"<{tag}>")
                    stack.append(f"</{tag}>")
                stack.extend(reversed(node.childNodes))
    return "".join(out)


def _parse_into(document: OpenDocument, part: str, data: bytes) -> None:
    parser = defusedxml.sax.make_parser()
    parser.setFeature(handler.feature_namespaces, True)
    parser.setFeature(handler.feature_external_ges, False)
    parser.setContentHandler(LoadParser(document))
    document._parsing = part  # LoadParser reads it to tell styles.xml from content.xml
    try:
        parser.parse(io.BytesIO(data))
    except defusedxml.DefusedXmlException as error:
        raise refusals.external_entity(part) from error
    except SAXException as error:
        raise refusals.corrupt(KIND) from error
    finally:
        del document._parsing


def _office_text(document: OpenDocument) -> Iterator[Element]:
    for node in document.body.childNodes:
        if node.nodeType == node.ELEMENT_NODE and node.qname == (OFFICENS, "text"):
            yield node


def _master_page_parts(document: OpenDocument) -> tuple[list[Element], list[Element]]:
    headers: list[Element] = []
    footers: list[Element] = []
    for page in document.masterstyles.childNodes:
        if page.nodeType != page.ELEMENT_NODE or page.qname != (STYLENS, "master-page"):
            continue
        for part in page.childNodes:
            if part.nodeType == part.ELEMENT_NODE and part.qname[0] == STYLENS:
                if part.qname[1] in _HEADERS:
                    headers.append(part)
                elif part.qname[1] in _FOOTERS:
                    footers.append(part)
    return headers, footers


def _collect(root: Element, notes: set[str], emit, emit_note) -> None:
    """Emit each paragraph under ``root`` in document order; note bodies go to ``emit_note``.

    Iterative (an explicit stack), because nesting depth is the file's choice.
    """
    open_paragraphs: list[list[str]] = []
    stack: list[tuple[Element, bool, bool]] = [(root, False, False)]  # node, closing, in note
    while stack:
        node, closing, in_note = stack.pop()
        if closing:
            (emit_note if in_note else emit)("".join(open_paragraphs.pop()))
            continue
        if node.nodeType == node.TEXT_NODE:
            if open_paragraphs:
                open_paragraphs[-1].append(node.data)
            continue
        qname = node.qname
        if qname in _SKIPPED:
            _note_skipped(node, notes)
            continue
        if qname in _INLINE or qname == _SPACE:
            if open_paragraphs:
                text = _INLINE.get(qname) or " " * _space_count(node)
                open_paragraphs[-1].append(text)
            continue
        if qname in _PARAGRAPHS:
            open_paragraphs.append([])
            stack.append((node, True, in_note))
        child_in_note = in_note or qname == _NOTE_BODY
        stack.extend((child, False, child_in_note) for child in reversed(node.childNodes))


def _note_skipped(node: Element, notes: set[str]) -> None:
    if node.qname == (TEXTNS, "tracked-changes"):
        if any(
            change.qname == (TEXTNS, "deletion")
            for change in _descendants(node)
            if change.nodeType == change.ELEMENT_NODE
        ):
            notes.add("tracked_deletions_excluded")
    elif node.qname == (OFFICENS, "annotation"):
        notes.add("comments_excluded")


def _descendants(root: Element) -> Iterator[Element]:
    stack = list(root.childNodes)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.childNodes)


def _space_count(node: Element) -> int:
    try:
        return max(1, min(int(node.attributes.get((TEXTNS, "c"), 1)), MAX_SPACES))
    except ValueError:
        return 1


def _html_tag(node: Element) -> str | None:
    namespace, local = node.qname
    if namespace == TEXTNS:
        if local == "h":
            try:
                level = int(node.attributes.get((TEXTNS, "outline-level"), 1))
            except ValueError:
                level = 1
            return f"h{min(max(level, 1), 6)}"
        return {"p": "p", "list": "ul", "list-item": "li", "list-header": "li"}.get(local)
    if namespace == TABLENS:
        return {
            "table": "table",
            "table-header-rows": "thead",
            "table-row": "tr",
            "table-cell": "td",
        }.get(local)
    return None
