"""Requests that carry a file: a larger body limit for those routes only, and reading the file.

Flask refuses a body over ``MAX_CONTENT_LENGTH`` (8 MB) for every route. The routes that take a
document (``@accepts_uploads``) get the upload limit (``SOGLASIE_UPLOAD_MAX_MB``, 25 MB) plus
room for the form's other fields. The raise happens in an app-level ``before_request`` that runs
before the CSRF check, because that check is what first parses the form.

A body over the limit is refused before it is read: a page gets a notice on the agreement page
(nothing was saved, nothing is lost but the upload), the API a 413 in its error shape.
"""

from __future__ import annotations

from flask import Flask, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from web.current import engine

FORM_OVERHEAD = 1024 * 1024  # the other fields and the multipart framing


def accepts_uploads(view):
    view.accepts_uploads = True
    return view


def _upload_route() -> bool:
    from flask import current_app

    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "accepts_uploads", False))


def install_upload_limits(app: Flask) -> None:
    """Call before ``csrf.init_app`` so this runs first."""

    @app.before_request
    def _raise_limit_for_uploads():
        if not _upload_route():
            return None
        limit_bytes = engine().document_limits.max_bytes
        request.max_content_length = limit_bytes + FORM_OVERHEAD
        if (request.content_length or 0) <= request.max_content_length:
            return None
        limit_mb = limit_bytes // (1024 * 1024)
        if request.path.startswith("/api/"):
            abort(413, description=f"The file is larger than {limit_mb} MB.")
        flash(_("The file is larger than %(mb)d MB. Nothing was saved.", mb=limit_mb), "error")
        case_id = (request.view_args or {}).get("case_id")
        target = url_for("cases.show", case_id=case_id) + "#documents" if case_id else "/"
        return redirect(target, 303)


def read_upload(field: str = "file") -> tuple[bytes, str | None] | None:
    """The posted file's bytes (at most the limit + 1, so an oversized one is still refused)
    and the name the client gave; None when no file was chosen."""
    upload = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(engine().document_limits.max_bytes + 1)
    return data, upload.filename
