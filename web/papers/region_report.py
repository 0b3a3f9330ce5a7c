"""The region's annual report to the federal body, drafted from the region's page or from the
reminder that asks for it (the coordination cycle's "reports" deadline, due
``regional_report_due`` after the year's end).

Unlike a municipality's report, the region's has no case of its own: it covers every plan of the
region (its own, its municipalities', those attached to its agreements) and is drafted for a
region and a year. The default year is the one before the current one (the report is due in the
new year, for the year that ended).
"""

from __future__ import annotations

from typing import Any

from flask import Response

from web.current import engine
from web.papers import paper_language
from web.papers.annual_report_docx import filename as report_filename
from web.papers.annual_report_docx import render as render_report
from web.papers.docx_common import DOCX
from web.papers.report_responses import FIRST_YEAR, _attachment
from workflow.errors import InvalidInput
from workflow.policy import Actor
from workflow.queries.annual_report import annual_report_data


def report_year(value: Any, today) -> int:
    if value in (None, ""):
        return today.year - 1
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("Give the year as four digits.", {"year": "A year."}) from None
    if not FIRST_YEAR <= year <= today.year:
        raise InvalidInput(
            f"The year must be between {FIRST_YEAR} and {today.year}.", {"year": "Out of range."}
        )
    return year


def region_annual_report_docx(
    me: Actor, region_id: int, year: Any, language: str | None
) -> Response:
    """The DOCX draft of the region's report for ``year`` (the caller has checked that ``me``
    may see the region); only plans ``me`` may see are in it."""
    eng = engine()
    today = eng.today()
    chosen = report_year(year, today)
    with eng.uow(write=False) as uow:
        data = annual_report_data(
            uow.session, scope="region", org_id=region_id, year=chosen, actor=me
        )
    return _attachment(
        render_report(data, paper_language(language), today),
        DOCX,
        report_filename(data),
        "attachment",
    )
