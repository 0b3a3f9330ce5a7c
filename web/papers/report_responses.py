"""The HTTP side of the annual report and the meeting minutes, shared by the pages and the API.

- ``annual_report_docx``: the draft of a case's annual report for a year, freshly generated from
  the plans of activities (the reminder's link leads here).
- ``attach_annual_report``: the same draft stored as the next version of the case's report slot
  (``REPORT_LANGUAGE``): the person downloads it, edits it in Word, uploads the edited DOCX as
  the next version and submits the report.
- ``minutes_docx`` / ``minutes_pdf``: a meeting's minutes with its decisions.

A case the actor may not see is a ``NotFound`` (404), like the case itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response

from web.current import engine
from web.papers import paper_language
from web.papers.annual_report_docx import filename as report_filename
from web.papers.annual_report_docx import render as render_report
from web.papers.docx_common import DOCX
from web.papers.minutes_docx import minutes_data, render_docx
from web.papers.minutes_pdf import render_pdf
from workflow.errors import InvalidInput, NotFound
from workflow.persistence.models import Case
from workflow.policy import Actor
from workflow.queries import meetings as meetings_q
from workflow.queries.annual_report import annual_report_data, report_scope, report_year_for
from workflow.services.casework import visible_case
from workflow.services.documents import REPORT_LANGUAGE, AddedVersion

FIRST_YEAR = 2000


def _year(value: Any, case: Case, today) -> int:
    if value in (None, ""):
        return report_year_for(case.fields, today)
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("Give the year as four digits.", {"year": "A year."}) from None
    if not FIRST_YEAR <= year <= today.year + 1:
        raise InvalidInput(
            f"The year must be between {FIRST_YEAR} and {today.year + 1}.",
            {"year": "Out of range."},
        )
    return year


def build_annual_report(
    me: Actor, case_id: int, year: Any, language: str | None
) -> tuple[bytes, str, dict]:
    """The DOCX, its file name and the data it was drawn from."""
    eng = engine()
    today = eng.today()
    with eng.uow(write=False) as uow:
        visible_case(eng, uow.session, case_id, me, None, for_update=False)
        case = uow.session.get(Case, case_id)
        chosen = _year(year, case, today)
        scope, org_id = report_scope(uow.session, case)
        data = annual_report_data(
            uow.session, scope=scope, org_id=org_id, year=chosen, actor=me, agreement_id=case.id
        )
    data_bytes = render_report(data, paper_language(language), today)
    return data_bytes, report_filename(data), data


def _attachment(data: bytes, mimetype: str, filename: str, disposition: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def annual_report_docx(me: Actor, case_id: int, year: Any, language: str | None) -> Response:
    data, name, _report = build_annual_report(me, case_id, year, language)
    return _attachment(data, DOCX, name, "attachment")


def attach_annual_report(
    me: Actor, case_id: int, year: Any, language: str | None, expected_version: int | None = None
) -> tuple[AddedVersion, int]:
    """Generate the draft and store it as the next version of the case's report slot; returns
    the version and the year."""
    data, name, report = build_annual_report(me, case_id, year, language)
    note = f"Проект годового отчёта за {report['year']} год / draft annual report {report['year']}"
    added = engine().add_document_file(
        case_id, me, REPORT_LANGUAGE, data, name, note, expected_version
    )
    return added, report["year"]


def _minutes(meeting_id: int, language: str | None) -> dict[str, Any]:
    eng = engine()
    with eng.uow(write=False) as uow:
        found = meetings_q.detail(uow.session, meeting_id)
    if found is None:
        raise NotFound(f"Meeting {meeting_id} not found.")
    return minutes_data(found, language, eng.clock.now())


def minutes_docx(meeting_id: int, language: str | None) -> Response:
    data = render_docx(_minutes(meeting_id, language))
    return _attachment(data, DOCX, f"minutes-{meeting_id}.docx", "attachment")


def minutes_pdf(meeting_id: int, language: str | None) -> Response:
    data = render_pdf(_minutes(meeting_id, language), engine().clock.now())
    return _attachment(data, "application/pdf", f"minutes-{meeting_id}.pdf", "inline")
