"""``ingest``: bytes of an upload in, a checked and typed document with its text out.

The cheap checks come first (empty, too large), then the kind from the content (``kinds``),
then the one extractor for that kind, then one normalisation for every kind (``text``).
Every refusal is a ``DocumentRefused``; nothing here reads a file name, a Content-Type, the
disk or the network.
"""

from __future__ import annotations

from workflow.documents import docx, kinds, odt, pdf, plaintext, refusals, rtf, text
from workflow.documents.model import MEDIA_TYPES, Ingested, Limits


def ingest(data: bytes, limits: Limits = Limits()) -> Ingested:  # noqa: B008 - frozen, shared
    if not data:
        raise refusals.empty()
    if len(data) > limits.max_bytes:
        raise refusals.too_large(limits.max_bytes, len(data))
    sniffed = kinds.sniff(data, limits)
    lines = text.Lines(limits.max_text_chars)
    notes: tuple[str, ...] = ()
    pages = encoding = None
    if sniffed.kind == "docx":
        notes = docx.extract(sniffed.archive, sniffed.main_part, lines)
        raw = lines.joined()
    elif sniffed.kind == "odt":
        notes = odt.extract(odt.load(sniffed.archive), lines)
        raw = lines.joined()
    elif sniffed.kind == "pdf":
        pages = pdf.extract(data, limits, lines)
        raw = lines.joined()
    elif sniffed.kind == "rtf":
        raw, encoding = rtf.extract(data)
    else:
        raw, encoding = plaintext.decode(data)
    final = text.finish(raw, limits.max_text_chars)
    if sniffed.kind == "pdf" and not final:
        notes = (*notes, "no_text_layer")
    return Ingested(
        kind=sniffed.kind,
        media_type=MEDIA_TYPES[sniffed.kind],
        extension=f".{sniffed.kind}",
        text=final,
        has_text=bool(final),
        pages=pages,
        encoding=encoding,
        notes=notes,
    )
