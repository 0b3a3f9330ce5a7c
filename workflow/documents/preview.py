"""``preview_html``: a sanitized HTML fragment of a DOCX or ODT for the document page.

DOCX goes through mammoth, ODT through ``odt.to_html``; both then through ``sanitize``, an nh3
allowlist of structural tags only: no ``img``, no ``style`` or ``on*`` attribute, no ``script``,
and links only to ``#`` fragments inside the preview (mammoth's footnote links, whose targets
carry ``id``s we prefix with ``doc-`` so they cannot clobber the page's own ids).

mammoth opens the zip itself, so it never gets the upload: it gets a new in-memory package of
the XML and relationship parts only, each read through ``SafeZip`` (capped) and checked for a
DOCTYPE. Media and embedded files are not copied, and the image converter never opens one.

PDF, RTF and plain text have no preview (``None``): the page shows the text or the PDF itself.
Nor has a DOCX whose main part is over ``MAX_MAMMOTH_PART_BYTES``: mammoth builds a minidom
tree of it and needs about 1.6 s and hundreds of MB per MB of XML (a 12 MB state contract takes
20 s), so such a document shows its extracted text instead.
"""

from __future__ import annotations

import io
import zipfile

import mammoth
import nh3

from workflow.documents import kinds, odt, xmlsafe
from workflow.documents.model import ACCEPTED_KINDS, Limits
from workflow.documents.zipsafe import SafeZip

ID_PREFIX = "doc-"
MAX_MAMMOTH_PART_BYTES = 4 * 1024 * 1024
ALLOWED_TAGS = frozenset(
    {
        *("p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "br"),
        *("strong", "em", "u", "s", "sub", "sup"),
        *("ul", "ol", "li"),
        *("table", "thead", "tbody", "tr", "th", "td"),
        "a",
    }
)
_ATTRIBUTES = {"a": {"href", "id"}, "li": {"id"}}


def preview_html(data: bytes, kind: str, limits: Limits = Limits()) -> str | None:  # noqa: B008
    """The preview of a document ``ingest`` accepted as ``kind``; the content is checked again
    (it is untrusted on every call) and must still be of that kind."""
    if kind not in ACCEPTED_KINDS:
        raise ValueError(f"unknown document kind {kind!r}")
    if kind not in ("docx", "odt"):
        return None
    sniffed = kinds.sniff(data, limits)
    if sniffed.kind != kind:
        raise ValueError(f"the content is {sniffed.kind!r}, not {kind!r}")
    if kind == "odt":
        return sanitize(odt.to_html(odt.load(sniffed.archive)))
    if sniffed.archive.declared_size(sniffed.main_part) > MAX_MAMMOTH_PART_BYTES:
        return None
    result = mammoth.convert_to_html(
        io.BytesIO(_xml_parts_only(sniffed.archive)),
        convert_image=mammoth.images.img_element(lambda image: {}),
        id_prefix=ID_PREFIX,
        include_embedded_style_map=False,
        external_file_access=False,
    )
    return sanitize(result.value)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        link_rel=None,
        strip_comments=True,
    )


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "href":
        return value if value.startswith("#" + ID_PREFIX) else None
    if name == "id":
        return value if value.startswith(ID_PREFIX) else None
    return value


def _xml_parts_only(archive: SafeZip) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as package:
        for name in archive.names():
            if name.endswith((".xml", ".rels")) and "/embeddings/" not in name:
                package.writestr(name, xmlsafe.refuse_doctype(name, archive.read(name)))
    return buffer.getvalue()
