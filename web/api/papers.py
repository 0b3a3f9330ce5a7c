"""``/api/v1/agreements/{id}/approval-sheet.pdf`` and ``/api/v1/agreements/register.xlsx``: the
same papers as the pages (``web.papers``), for scripts and other systems.

The sheet is issued like the page's (a verification code is recorded, or reused when nothing
changed); the register takes the list's filters. ``lang`` chooses the paper's language
(default: the caller's).
"""

from __future__ import annotations

from flask import g
from marshmallow import fields, validate
from sqlalchemy import select

from web.api.auth import actor
from web.api.cases import category_kinds, load_case
from web.api.core import ID, BaseSchema, api_blueprint
from web.current import engine
from web.papers import LANGUAGES
from web.papers.docx_common import DOCX
from web.papers.report_responses import annual_report_docx
from web.papers.responses import XLSX, approval_sheet_pdf, register_xlsx
from workflow.persistence.models import Organization
from workflow.queries.cases import CaseFilters

blp = api_blueprint("papers", "/agreements", "Printable papers: approval sheets and the register.")
CATEGORY = "agreement"


class PaperArgs(BaseSchema):
    lang = fields.String(validate=validate.OneOf(LANGUAGES), metadata={"description": "ru or en"})


class RegisterArgs(PaperArgs):
    kind = fields.String(validate=validate.Length(max=64))
    state = fields.String(validate=validate.Length(max=64))
    region = fields.String(
        validate=validate.Length(max=64), metadata={"description": "Region code, e.g. RU-TA"}
    )
    partner_country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$"))
    overdue = fields.Boolean(metadata={"description": "Only cases with an overdue task"})
    mine = fields.Boolean(
        load_default=False, metadata={"description": "Only my organization's own cases"}
    )
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "Title search"})


def _binary(media_type: str, description: str) -> dict:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


def _language(args: dict) -> str:
    chosen = args.get("lang") or actor().language
    g._soglasie_language = chosen  # web.i18n.language(): the titles in the register
    return chosen


@blp.route(f"/<{ID}:case_id>/approval-sheet.pdf", methods=["GET"])
@blp.arguments(PaperArgs, location="query")
@blp.doc(
    **_binary(
        "application/pdf",
        "The approval sheet (A4 PDF); its verification code also in X-Sheet-Code.",
    )
)
def approval_sheet(args, case_id: int):
    """The agreement's approval sheet: every review round's decisions, signing, registration,
    and a code (and QR) that leads to the public verification page ``/verify/{code}``."""
    load_case(case_id, CATEGORY)
    return approval_sheet_pdf(actor(), case_id, _language(args))


@blp.route("/register.xlsx", methods=["GET"])
@blp.arguments(RegisterArgs, location="query")
@blp.doc(**_binary(XLSX, "The register of agreements (XLSX), one row per agreement."))
def register(args):
    """The register of the agreements the caller may see, with the list's filters."""
    kinds = category_kinds(CATEGORY)
    if args.get("kind"):
        kinds = tuple(k for k in kinds if k == args["kind"]) or ("-",)
    region_id = None
    if args.get("region"):
        with engine().uow(write=False) as uow:
            region_id = uow.session.scalar(
                select(Organization.id).where(Organization.code == args["region"])
            )
        region_id = region_id or -1  # an unknown region matches nothing
    filters = CaseFilters(
        kinds=kinds,
        state=args.get("state"),
        region_id=region_id,
        partner_country=args.get("partner_country"),
        overdue=bool(args.get("overdue")),
        my_org=args.get("mine", False),
        q=args.get("q"),
    )
    _language(args)
    return register_xlsx(actor(), filters)


class AnnualReportArgs(PaperArgs):
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "The year reported on (default: the year the report is due for)"},
    )


@blp.route(f"/<{ID}:case_id>/annual-report.docx", methods=["GET"])
@blp.arguments(AnnualReportArgs, location="query")
@blp.doc(**_binary(DOCX, "The draft annual report on the plans of activities (DOCX)."))
def annual_report(args, case_id: int):
    """The draft of the annual report for the agreement's municipality (twin-city agreement) or
    region: the year's items of its plans of activities by agreement and area, with their status
    and progress notes. Upload the edited file as a version of language ``report``."""
    load_case(case_id, CATEGORY)
    return annual_report_docx(actor(), case_id, args.get("year"), _language(args))
