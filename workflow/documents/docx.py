"""Text of a DOCX (WordprocessingML) package, read part by part with defusedxml.

Why not a library: python-docx reads neither footnotes nor endnotes and skips text inside
tracked insertions (``w:ins``), content controls and text boxes; mammoth drops headers and
footers. Both would also inflate members through their own ``zipfile`` calls, outside our caps.
So this module walks the parts itself, streaming each through ``xmlsafe.iterparse``.

Policies (each sets a note when it applied):

* Tracked insertions are current text and included; tracked deletions (``w:delText``) and the
  source of tracked moves (``w:moveFrom``) are not (``tracked_deletions_excluded``).
* Word comments are annotations, not the agreement: never read (``comments_excluded``).
* Embedded files (``word/embeddings``) and media are never opened (``embedded_files_ignored``).
* Field codes (``w:instrText``) are excluded; their displayed results are text.
* ``mc:AlternateContent`` repeats a text box as a VML fallback: only the first choice is read.

Order, stable so two versions of a document diff cleanly: headers (in the order the sections
reference them), body, footnotes, endnotes, footers. One paragraph per line; a table cell's
paragraphs are lines of their own.
"""

from __future__ import annotations

import posixpath

from workflow.documents import refusals, xmlsafe
from workflow.documents.text import Lines
from workflow.documents.zipsafe import SafeZip

KIND = "docx"
MAIN_CONTENT_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    }
)
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_RELATIONSHIP_TYPES = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/",
    "http://purl.oclc.org/ooxml/officeDocument/relationships/",
)
_W = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
_R = frozenset(
    {
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "http://purl.oclc.org/ooxml/officeDocument/relationships",
    }
)
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"

_INLINE = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}
# Subtrees whose text is not current document text.
_SKIPPED = frozenset({"moveFrom", "instrText", "delInstrText"})
_SEPARATOR_NOTES = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_W_TYPE = tuple(f"{{{w}}}type" for w in sorted(_W))
_R_ID = tuple(f"{{{r}}}id" for r in sorted(_R))


def main_part_name(archive: SafeZip) -> str | None:
    """The main document part declared in ``[Content_Types].xml``, or None if not a DOCX."""
    if "[Content_Types].xml" not in archive:
        return None
    name = "[Content_Types].xml"
    types = xmlsafe.parse(name, archive.read(name), KIND)
    for override in types.iter(f"{_CT}Override"):
        if override.get("ContentType") in MAIN_CONTENT_TYPES:
            return override.get("PartName", "").lstrip("/") or None
    return None


def extract(archive: SafeZip, main: str, lines: Lines) -> tuple[str, ...]:
    """Add the document's paragraphs to ``lines``; return the notes that applied."""
    if main not in archive:
        raise refusals.corrupt(KIND)
    notes: set[str] = set()
    related = _relationships(archive, main)
    body = _Part(main)
    body.read(archive, notes)

    headers = _referenced(related, body.header_ids)
    footers = _referenced(related, body.footer_ids)
    for name in headers:
        lines.extend(_read_part(archive, name, notes))
    lines.extend(body.paragraphs)
    for kind in ("footnotes", "endnotes"):
        for name in related.get(kind, {}).values():
            lines.extend(_read_part(archive, name, notes))
    for name in footers:
        lines.extend(_read_part(archive, name, notes))

    if any(name in archive for name in related.get("comments", {}).values()):
        notes.add("comments_excluded")
    if any(name.startswith(posixpath.dirname(main) + "/embeddings/") for name in archive.names()):
        notes.add("embedded_files_ignored")
    return tuple(sorted(notes))


def _read_part(archive: SafeZip, name: str, notes: set[str]) -> list[str]:
    if name not in archive:  # a dangling relationship: Word ignores it too
        return []
    part = _Part(name)
    part.read(archive, notes)
    return part.paragraphs


def _referenced(related: dict[str, dict[str, str]], ids: list[str]) -> list[str]:
    """Part names for relationship ids in the order the sections reference them, once each."""
    targets = {rid: name for by_id in related.values() for rid, name in by_id.items()}
    return list(dict.fromkeys(targets[rid] for rid in ids if rid in targets))


def _relationships(archive: SafeZip, part: str) -> dict[str, dict[str, str]]:
    """{type suffix: {relationship id: part name}} for the internal targets of ``part``."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in archive:
        return {}
    root = xmlsafe.parse(rels, archive.read(rels), KIND)
    related: dict[str, dict[str, str]] = {}
    for rel in root.iter(f"{_PR}Relationship"):
        rel_type, target = rel.get("Type", ""), rel.get("Target", "")
        if rel.get("TargetMode") == "External" or not target:
            continue
        for prefix in _RELATIONSHIP_TYPES:
            if rel_type.startswith(prefix):
                if target.startswith("/"):
                    name = target.lstrip("/")
                else:
                    name = posixpath.normpath(posixpath.join(folder, target))
                related.setdefault(rel_type[len(prefix) :], {})[rel.get("Id", "")] = name
    return related


class _Part:
    """One streamed pass over a part: its paragraphs and the header/footer ids it references."""

    def __init__(self, name: str):
        self.name = name
        self.paragraphs: list[str] = []
        self.header_ids: list[str] = []
        self.footer_ids: list[str] = []

    def read(self, archive: SafeZip, notes: set[str]) -> None:
        open_paragraphs: list[list[str]] = []  # a text box nests a paragraph in a paragraph
        skipping = 0  # depth inside a subtree whose text is excluded
        for event, element in xmlsafe.iterparse(self.name, archive.read(self.name), KIND):
            namespace, _, local = element.tag[1:].partition("}")
            is_w = namespace in _W
            if event == "start":
                if is_w and local in ("headerReference", "footerReference"):
                    # Sections before the last keep their properties inside w:pPr.
                    ids = self.header_ids if local == "headerReference" else self.footer_ids
                    ids.extend(element.get(key) for key in _R_ID if element.get(key))
                if skipping or _excluded(namespace, local, element):
                    skipping += 1
                    if is_w and local == "moveFrom":
                        notes.add("tracked_deletions_excluded")
                elif is_w and local == "p":
                    open_paragraphs.append([])
                elif is_w and local in _INLINE and open_paragraphs:
                    open_paragraphs[-1].append(_INLINE[local])
                continue
            if skipping:
                skipping -= 1
            elif is_w and local == "t" and open_paragraphs:
                open_paragraphs[-1].append(element.text or "")
            elif is_w and local == "p" and open_paragraphs:
                self.paragraphs.append("".join(open_paragraphs.pop()))
            elif is_w and local == "delText":
                notes.add("tracked_deletions_excluded")
            element.clear()


def _excluded(namespace: str, local: str, element) -> bool:
    """Whether the subtree starting at ``element`` contributes no text."""
    if namespace == _MC:
        return local == "Fallback"
    if namespace not in _W:
        return False
    if local in ("footnote", "endnote"):
        return any(element.get(key) in _SEPARATOR_NOTES for key in _W_TYPE)
    # Property subtrees hold tab stops (w:tab) that are not tabs in the text.
    return local in _SKIPPED or local.endswith("Pr")
