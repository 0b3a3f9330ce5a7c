"""An agreement's texts on the page: upload a version (a file or typed text), view it with its
preview, download the original, compare two versions; the signed originals of each party.

Every route answers 404 for a case the viewer may not see (``load_visible``), files included.
"""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import abort, flash, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from web.current import engine
from web.diffs import render_diff, render_word_diff
from web.document_messages import refusal_text
from web.downloads import EXTENSIONS, send_stored
from web.pages.cases import bp
from web.pages.common import (
    actor,
    back_to_case,
    flash_error,
    load_visible,
    posted_version,
    signed_in,
)
from web.pages.form_once import case_url, once_per_form
from web.uploads import accepts_uploads, read_upload
from workflow.documents import DocumentRefused, preview_html
from workflow.errors import WorkflowError
from workflow.persistence.documents import SIGNING_PARTIES
from workflow.queries import documents as docq

PREVIEWED = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.oasis.opendocument.text": "odt",
}


@bp.app_template_filter("file_kind")
def file_kind(media_type: str) -> str:
    """What people call the format: DOCX, PDF…"""
    return EXTENSIONS.get(media_type, ".file")[1:].upper()


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """37 KB, 2.4 MB: what a clerk reads in her file manager."""
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(max(1, round(size / 1024)), locale=get_locale()))
    mb = format_decimal(round(size / (1024 * 1024), 1), locale=get_locale())
    return _("%(n)s MB", n=mb)


def _flash_refused(exc: WorkflowError) -> None:
    if isinstance(exc, DocumentRefused):
        flash(refusal_text(exc, engine().document_limits), "error")
    else:
        flash_error(exc)


@bp.post("/agreements/<int:case_id>/documents")
@signed_in
@once_per_form(back=case_url)
@accepts_uploads
def add_document(case_id: int):
    me = actor()
    load_visible(case_id, me)
    expected = posted_version()
    language = (request.form.get("language") or "").strip().lower()
    note = (request.form.get("note") or "").strip()[:500] or None
    upload = read_upload("file")
    try:
        if upload is not None:
            data, filename = upload
            added = engine().add_document_file(
                case_id, me, language, data, filename, note, expected
            )
            number = added.number
            if not added.has_text:
                flash(
                    _(
                        "The file has no text layer (a scan): it is stored and shown, but there "
                        "is no text to compare or to search."
                    ),
                    "warning",
                )
        else:
            text = request.form.get("text") or ""
            number = engine().add_document(case_id, me, language, text, None, note, expected)
    except WorkflowError as exc:
        _flash_refused(exc)
        return back_to_case(case_id)  # the error is at the top: no anchor past it
    flash(
        _("Version %(number)d of the text (%(lang)s) is saved.", number=number, lang=language),
        "success",
    )
    return back_to_case(case_id, "#documents")


def _version_or_404(case_id: int, lang: str, number: int) -> docq.StoredVersion:
    with engine().uow(write=False) as uow:
        found = docq.version(uow.session, case_id, lang, number)
    if found is None:
        raise NotFound()
    return found


@bp.get("/agreements/<int:case_id>/documents/<lang>/<int:number>")
@signed_in
def document(case_id: int, lang: str, number: int):
    head = load_visible(case_id, actor())
    found = _version_or_404(case_id, lang, number)
    preview = None
    if found.blob_sha256 and found.media_type in PREVIEWED:
        with engine().uow(write=False) as uow:
            data = engine().blobs.read(uow.session, found.blob_sha256)
        html = preview_html(data, PREVIEWED[found.media_type], engine().document_limits)
        preview = Markup(html) if html else None  # sanitized by preview_html (nh3)
    return render_template(
        "cases/document.html", head=head, lang=lang, number=number, doc=found, preview=preview
    )


@bp.get("/agreements/<int:case_id>/documents/<lang>/<int:number>/file")
@signed_in
def document_file(case_id: int, lang: str, number: int):
    head = load_visible(case_id, actor())
    found = _version_or_404(case_id, lang, number)
    if found.blob_sha256 is None:
        raise NotFound()
    inline = request.args.get("inline") == "1"
    return send_stored(found, f"{head.title[:80]} — {lang} v{number}", inline)


@bp.get("/agreements/<int:case_id>/documents/<lang>/diff")
@signed_in
def diff(case_id: int, lang: str):
    head = load_visible(case_id, actor())
    a = request.args.get("a", type=int)
    b = request.args.get("b", type=int)
    if not a or not b:
        abort(400, _("Choose two versions to compare."))
    with engine().uow(write=False) as uow:
        older = docq.version(uow.session, case_id, lang, a)
        newer = docq.version(uow.session, case_id, lang, b)
    if older is None or newer is None:
        raise NotFound("No such version.")
    # A PDF keeps visual lines, not paragraphs: against one, compare the words only.
    by_words = "application/pdf" in (older.media_type, newer.media_type)
    mode = request.args.get("mode") or ("words" if by_words else "lines")
    render = render_word_diff if mode == "words" else render_diff
    rendered, stats = render(older.text, newer.text)
    return render_template(
        "cases/diff.html",
        head=head,
        lang=lang,
        a=a,
        b=b,
        diff=Markup(rendered),  # escaped by web.diffs
        stats=stats,
        mode="words" if mode == "words" else "lines",
        without_text=[v for v in (older, newer) if not v.has_text],
    )


@bp.post("/agreements/<int:case_id>/signed-originals")
@signed_in
@once_per_form(back=case_url)
@accepts_uploads
def add_signed_original(case_id: int):
    me = actor()
    load_visible(case_id, me)
    expected = posted_version()
    party = request.form.get("party", "")
    note = (request.form.get("note") or "").strip()[:500] or None
    upload = read_upload("file")
    if upload is None:
        flash(_("Choose the file of the signed copy."), "error")
        return back_to_case(case_id, "#signed")
    data, filename = upload
    try:
        engine().add_signed_original(case_id, me, party, data, filename, note, expected)
    except WorkflowError as exc:
        _flash_refused(exc)
        return back_to_case(case_id)  # the error is at the top: no anchor past it
    flash(_("The signed copy is saved."), "success")
    return back_to_case(case_id, "#signed")


@bp.get("/agreements/<int:case_id>/signed-originals/<party>/<int:number>/file")
@signed_in
def signed_original_file(case_id: int, party: str, number: int):
    head = load_visible(case_id, actor())
    if party not in SIGNING_PARTIES:
        raise NotFound()
    with engine().uow(write=False) as uow:
        copy = docq.signed_copy(uow.session, case_id, party, number)
    if copy is None:
        raise NotFound()
    inline = request.args.get("inline") == "1"
    return send_stored(copy, f"{head.title[:80]} — {party} signed v{number}", inline)
