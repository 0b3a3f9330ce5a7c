"""Papers on the pages: an agreement's approval sheet (PDF), the register of agreements (XLSX,
the list's filters), and the public verification of a printed sheet (``/verify``).

``/verify/<code>`` needs no sign-in: the person holding the paper may be anyone. It shows the
verdict and the sheet's rows as the record gives them, nothing the sheet did not show. An
unknown code is a 404 with a sentence that says so. ``POST /verify`` takes an uploaded PDF of a
sheet and checks the code and data hash in its keywords.
"""

from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from web.current import engine
from web.i18n import language
from web.pages.cases import _filters
from web.pages.common import (
    actor,
    back_to_case,
    flash_error,
    load_visible,
    posted_version,
    signed_in,
)
from web.pages.form_once import case_url, once_per_form
from web.papers import report_responses
from web.papers.approval_sheet_pdf import KEYWORD_PREFIX
from web.papers.responses import approval_sheet_pdf, register_xlsx
from workflow.errors import WorkflowError
from workflow.queries.sheet_verification import find_sheet, verify_sheet

bp = Blueprint("papers", __name__)
MAX_UPLOAD = 10 * 1024 * 1024


@bp.get("/agreements/<int:case_id>/approval-sheet.pdf")
@signed_in
def approval_sheet(case_id: int):
    return approval_sheet_pdf(actor(), case_id, request.args.get("lang") or language())


@bp.get("/agreements.xlsx")
@signed_in
def register():
    me = actor()
    filters, _raw = _filters(me)
    return register_xlsx(me, filters)


def _verdict(code: str):
    eng = engine()
    with eng.uow(write=False) as uow:
        return verify_sheet(uow.session, code, lambda d: eng.catalog.get(d, uow.session).definition)


def _show(verdict, uploaded: bool | None):
    sections = {
        "case": _("Title"),
        "parties": _("Parties"),
        "approved_texts": _("Approved texts"),
        "signing": _("Signing"),
        "registration": _("Registration"),
    }
    decisions = {
        "approved": _("Approved"),
        "approved_with_remarks": _("Approved with remarks"),
        "returned": _("Not approved (remarks)"),
    }
    return render_template(
        "papers/verify.html",
        verdict=verdict,
        uploaded=uploaded,
        section_titles=sections,
        decision_titles=decisions,
    )


@bp.get("/verify/<code>")
def verify(code: str):
    verdict = _verdict(code)
    if verdict is None:
        return render_template("papers/verify_unknown.html", code=code[:32]), 404
    return _show(verdict, None)


@bp.route("/verify", methods=["GET", "POST"])
def verify_form():
    if request.method == "GET":
        code = (request.args.get("code") or "").strip()
        if code:
            return redirect(url_for("papers.verify", code=code), 303)
        return render_template("papers/verify_form.html", problem=None)
    upload = request.files.get("sheet")
    if upload is None or not upload.filename:
        return render_template("papers/verify_form.html", problem=_("Choose a PDF file.")), 400
    blob = upload.stream.read(MAX_UPLOAD + 1)
    found = _sheet_keywords(blob) if len(blob) <= MAX_UPLOAD else None
    if found is None:
        problem = _("This file is not an approval sheet issued by this system.")
        return render_template("papers/verify_form.html", problem=problem), 400
    code, digest = found
    verdict = _verdict(code)
    if verdict is None:
        return render_template("papers/verify_unknown.html", code=code), 404
    with engine().uow(write=False) as uow:
        stored = find_sheet(uow.session, code)
        matches_issue = stored is not None and stored.data_hash == digest
    return _show(verdict, matches_issue)


def _sheet_keywords(blob: bytes) -> tuple[str, str] | None:
    """(code, data hash) from the PDF's keywords, or None."""
    try:
        keywords = (PdfReader(io.BytesIO(blob)).metadata or {}).get("/Keywords") or ""
    except (PyPdfError, ValueError, OSError):
        return None
    parts = str(keywords).strip().split(":")
    if len(parts) != 3 or parts[0] != KEYWORD_PREFIX:
        return None
    return parts[1], parts[2]


# --- the annual report and the meeting minutes ------------------------------------------------


@bp.get("/agreements/<int:case_id>/annual-report.docx")
@signed_in
def annual_report(case_id: int):
    """The draft of the case's annual report for ``?year=`` (default: the year the report is
    due for), freshly generated from the plans of activities; the reminder links here."""
    return report_responses.annual_report_docx(
        actor(), case_id, request.args.get("year"), request.args.get("lang") or language()
    )


@bp.post("/agreements/<int:case_id>/annual-report")
@signed_in
@once_per_form(back=case_url)
def attach_annual_report(case_id: int):
    """Generate the draft and keep it as the next version of the report (the documents list)."""
    me = actor()
    load_visible(case_id, me)
    try:
        added, year = report_responses.attach_annual_report(
            me,
            case_id,
            request.form.get("year"),
            request.form.get("lang") or language(),
            posted_version(),
        )
    except WorkflowError as exc:
        flash_error(exc)
        return back_to_case(case_id)  # the error is at the top: no anchor past it
    flash(
        _(
            "The draft of the annual report for %(year)d is saved as version %(number)d: "
            "download it, edit it and upload the edited file as the next version.",
            year=year,
            number=added.number,
        ),
        "success",
    )
    return back_to_case(case_id, "#annual-report")


@bp.get("/meetings/<int:meeting_id>/minutes.docx")
@signed_in
def minutes_docx(meeting_id: int):
    actor()
    return report_responses.minutes_docx(meeting_id, request.args.get("lang") or language())


@bp.get("/meetings/<int:meeting_id>/minutes.pdf")
@signed_in
def minutes_pdf(meeting_id: int):
    actor()
    return report_responses.minutes_pdf(meeting_id, request.args.get("lang") or language())
