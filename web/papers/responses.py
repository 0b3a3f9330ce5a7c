"""The HTTP side of the papers, shared by the pages and the API: issue and draw an approval
sheet, stream the register. Access is the callers' (pages: ``signed_in``; API: its token or
session); a case the actor may not see is a ``NotFound`` from the service, i.e. 404."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from flask import Response, url_for

from web import defs
from web.current import engine, settings
from web.formatting import name
from web.i18n import language
from web.papers import paper_language
from web.papers.approval_sheet_pdf import SheetIssue, render
from web.papers.register_xlsx import write_register
from workflow.policy import Actor
from workflow.queries.cases import CaseFilters
from workflow.queries.register import RegisterRow, register_rows
from workflow.services.papers import issue_approval_sheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024


def verify_url(code: str) -> str:
    """Where the sheet's QR code leads: the public verification page on the configured host."""
    return settings().base_url.rstrip("/") + url_for("papers.verify", code=code)


def approval_sheet_pdf(me: Actor, case_id: int, language: str | None) -> Response:
    language = paper_language(language)
    issued = issue_approval_sheet(engine(), me, case_id, language)
    pdf = render(
        issued.data,
        SheetIssue(
            issued.code,
            verify_url(issued.code),
            issued.data_hash,
            issued.issued_at,
            issued.issued_by,
        ),
    )
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="approval-sheet-{case_id}-{issued.code}.pdf"'
    )
    response.headers["X-Sheet-Code"] = issued.code
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _register_values(row: RegisterRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": defs.kind_title(row.kind),
        "title": row.title,
        "owner": name(row.owner_name, row.owner_name_en),
        "region": name(row.region_name, row.region_name_en),
        "partner": row.partner,
        "partner_country": row.partner_country,
        "state": defs.state_title(row.definition_id, row.state),
        "planned_date": row.planned_date,
        "signed_russian": row.signed_russian,
        "signed_partner": row.signed_partner,
        "registration_number": row.registration_number,
        "registration_date": row.registration_date,
        "in_force_from": row.in_force_from,
        "valid_until": row.valid_until,
        "updated_at": row.updated_at,
    }


def register_xlsx(me: Actor, filters: CaseFilters) -> Response:
    """Rows stream from the database into openpyxl's write-only sheet, which writes a temporary
    file; the response streams that file in chunks and removes it (at the end of the body, or
    when the response is closed unread). Memory stays flat at any number of rows."""
    eng = engine()
    handle, path = tempfile.mkstemp(prefix="soglasie-register-", suffix=".xlsx")
    os.close(handle)
    try:
        with eng.uow(write=False) as uow:
            rows: Iterator[RegisterRow] = register_rows(uow.session, me, filters, eng.today())
            write_register(map(_register_values, rows), path, language())
    except BaseException:
        _remove(path)
        raise
    response = Response(_chunks(path), mimetype=XLSX, direct_passthrough=True)
    response.headers["Content-Length"] = str(os.path.getsize(path))
    response.headers["Content-Disposition"] = 'attachment; filename="agreements.xlsx"'
    response.headers["Cache-Control"] = "private, no-store"
    response.call_on_close(lambda: _remove(path))
    return response


def _chunks(path: str, size: int = CHUNK) -> Iterator[bytes]:
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        _remove(path)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
