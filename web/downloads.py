"""Sending a stored file: streamed from the blob store, named the way browsers understand.

``Content-Disposition`` carries the original name twice (RFC 6266): an ASCII fallback in
``filename=`` and the exact name, Cyrillic included, in ``filename*=UTF-8''…`` (RFC 5987).
A file shown *inline* (a PDF opened in the browser) is sandboxed by its own CSP, so a hostile PDF
can run no script with the site's origin; ``nosniff`` stops a browser from guessing HTML.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import Response

from web.current import engine

INLINE_TYPES = {"application/pdf", "text/plain"}
EXTENSIONS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/pdf": ".pdf",
    "application/rtf": ".rtf",
    "text/plain": ".txt",
}


def content_disposition(filename: str, inline: bool = False) -> str:
    kind = "inline" if inline else "attachment"
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch for ch in fallback if ch.isprintable() and ch not in '"\\;') or "file"
    if "." in filename and "." not in fallback:
        fallback += "." + filename.rsplit(".", 1)[-1].encode("ascii", "ignore").decode()
    encoded = quote(filename, safe="")
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def send_stored(stored, default_stem: str, inline: bool = False) -> Response:
    """A stored file (a version or a signed copy: ``blob_sha256``, ``filename``,
    ``media_type``, ``byte_size``) under its original name, else ``<stem>.<ext>``."""
    name = stored.filename or f"{default_stem}{EXTENSIONS.get(stored.media_type, '')}"
    return send_blob(stored.blob_sha256, name, stored.media_type, stored.byte_size, inline)


def send_blob(
    sha256: str,
    filename: str,
    media_type: str,
    byte_size: int | None,
    inline: bool = False,
) -> Response:
    inline = inline and media_type in INLINE_TYPES
    eng = engine()
    # A plain generator over the engine's sessions: it needs no request context, so a client
    # that goes away mid-download leaves nothing behind but an unfinished generator.
    body = eng.blobs.chunks(eng.session_factory, sha256, size=byte_size)
    content_type = f"{media_type}; charset=utf-8" if media_type == "text/plain" else media_type
    response = Response(body, content_type=content_type, direct_passthrough=True)
    if byte_size is not None:
        response.headers["Content-Length"] = str(byte_size)
    response.headers["Content-Disposition"] = content_disposition(filename, inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if inline:
        # The file is opened as a document of its own: no script, no forms, no same-origin.
        response.headers["Content-Security-Policy"] = "sandbox"
    return response
