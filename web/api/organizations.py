"""``/api/v1/organizations``: regions, municipalities, federal bodies and foreign partners.

The directory is readable by every signed-in caller (the pages show the same names on every
agreement); changing it is the administrators' CSV import, all or nothing, with every bad line
named (the admin page's and ``soglasie orgs import``'s service; the format is in the README).
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.api.paging import PageArgs, decode_cursor, page_schema, paged
from web.current import engine
from workflow.queries import api_directory
from workflow.services import user_admin
from workflow.services.orgs import KINDS, ImportRefused

blp = api_blueprint("organizations", "/organizations", "The directory of organizations.")


class OrgArgs(PageArgs):
    kind = fields.String(validate=validate.OneOf(KINDS))
    parent_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    q = fields.String(validate=validate.Length(max=200))


class OrganizationOut(BaseSchema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    kind = fields.String(required=True)
    name_ru = fields.String(required=True)
    name_en = fields.String(allow_none=True, required=True)
    name_native = fields.String(allow_none=True, required=True)
    parent_id = fields.Integer(allow_none=True, required=True)
    country = fields.String(allow_none=True, required=True)
    level = fields.String(allow_none=True, required=True)
    calendar_code = fields.String(allow_none=True, required=True)
    timezone = fields.String(required=True)
    is_active = fields.Boolean(required=True)


OrganizationPage = page_schema("OrganizationPage", OrganizationOut)


class ImportIn(BaseSchema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=5_000_000))
    source = fields.String(load_default="api", validate=validate.Length(max=200))


class ImportOut(BaseSchema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)


def after_id(args) -> int | None:
    key = decode_cursor(args.get("cursor"), 1)
    if key is None:
        return None
    if not isinstance(key[0], int) or not 0 < key[0] <= MAX_ID:
        abort(422, errors={"cursor": "Not a cursor this API gave out."})
    return key[0]


@blp.route("", methods=["GET"])
@blp.arguments(OrgArgs, location="query")
@blp.response(200, OrganizationPage)
def list_organizations(args):
    """Organizations by id, filtered by kind, parent region or a name search."""
    with engine().uow(write=False) as uow:
        rows = api_directory.organizations(
            uow.session,
            kind=args.get("kind"),
            parent_id=args.get("parent_id"),
            q=args.get("q"),
            after_id=after_id(args),
            limit=args["limit"] + 1,
        )
    return paged(rows, args["limit"], lambda r: (r.id,))


@blp.route(f"/<{ID}:org_id>", methods=["GET"])
@blp.response(200, OrganizationOut)
def get_organization(org_id: int):
    """One organization."""
    with engine().uow(write=False) as uow:
        rows = api_directory.organizations(uow.session, after_id=org_id - 1, limit=1)
    if not rows or rows[0].id != org_id:
        abort(404, message=f"No organization {org_id}.")
    return rows[0]


@blp.route("/import", methods=["POST"])
@blp.arguments(ImportIn)
@blp.response(200, ImportOut)
def import_organizations(body):
    """Create or update organizations from CSV (administrators); a file with any bad line
    imports nothing, and ``errors`` names each line (``line 3``: what is wrong)."""
    try:
        summary = user_admin.import_orgs(engine(), actor(), body["csv"], body["source"])
    except ImportRefused as refused:
        errors: dict[str, str] = {}
        for problem in refused.errors:
            key = f"line {problem.line}"
            errors[key] = f"{errors[key]} {problem.message}" if key in errors else problem.message
        abort(
            400, message=f"Nothing was imported: {len(refused.errors)} problem(s).", errors=errors
        )
    return {"created": summary.created, "updated": summary.updated}
