"""``/api/v1/users``: the caller herself (``/users/me``) for everyone; the list, any one user
and creating users for administrators (``workflow.services.people.create_user``, the same
service as ``soglasie users create``).
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor, require_admin
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.api.organizations import after_id
from web.api.paging import PageArgs, page_schema, paged
from web.current import engine
from workflow.queries import api_directory
from workflow.services.people import create_user

blp = api_blueprint("users", "/users", "People and their roles (administrators).")


class UserArgs(PageArgs):
    org_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID))
    role = fields.String(validate=validate.Length(max=64))
    q = fields.String(validate=validate.Length(max=200))


class UserOut(BaseSchema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    full_name = fields.String(required=True)
    email = fields.String(allow_none=True, required=True)
    position = fields.String(allow_none=True, required=True)
    org_id = fields.Integer(required=True)
    language = fields.String(required=True)
    notify_mode = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    roles = fields.List(fields.String(), required=True)


class MeOut(UserOut):
    acting_for = fields.List(
        fields.Integer(), required=True, metadata={"description": "Whom I substitute today"}
    )


UserPage = page_schema("UserPage", UserOut)


class UserIn(BaseSchema):
    username = fields.String(required=True, validate=validate.Length(min=2, max=80))
    org_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    roles = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        required=True,
        validate=validate.Length(max=30),
    )
    email = fields.String(validate=validate.Length(max=254), allow_none=True)
    full_name = fields.String(load_default="", validate=validate.Length(max=200))
    position = fields.String(validate=validate.Length(max=200), allow_none=True)
    language = fields.String(load_default="ru", validate=validate.OneOf(("ru", "en")))
    password = fields.String(load_only=True, validate=validate.Length(max=200), allow_none=True)


def _one(user_id: int):
    with engine().uow(write=False) as uow:
        rows = api_directory.users(uow.session, user_id=user_id, limit=1)
    if not rows:
        abort(404, message=f"No user {user_id}.")
    return rows[0]


@blp.route("/me", methods=["GET"])
@blp.response(200, MeOut)
def me():
    """Who the token (or session) acts as, with her roles and today's substitutions."""
    who = actor()
    return {**vars(_one(who.user_id)), "acting_for": [p.user_id for p in who.substituting]}


@blp.route("", methods=["GET"])
@blp.arguments(UserArgs, location="query")
@blp.response(200, UserPage)
def list_users(args):
    """Every user, by id (administrators)."""
    require_admin()
    with engine().uow(write=False) as uow:
        rows = api_directory.users(
            uow.session,
            org_id=args.get("org_id"),
            role=args.get("role"),
            q=args.get("q"),
            after_id=after_id(args),
            limit=args["limit"] + 1,
        )
    return paged(rows, args["limit"], lambda r: (r.id,))


@blp.route(f"/<{ID}:user_id>", methods=["GET"])
@blp.response(200, UserOut)
def get_user(user_id: int):
    """One user (administrators, or the user herself)."""
    if user_id != actor().user_id:
        require_admin()
    return _one(user_id)


@blp.route("", methods=["POST"])
@blp.arguments(UserIn)
@blp.response(201, UserOut)
def add_user(body):
    """Create a user in an organization with roles (administrators)."""
    require_admin()
    eng = engine()
    with eng.uow() as uow:
        user = create_user(
            uow.session,
            eng.clock,
            body["username"],
            body["org_code"],
            body["roles"],
            email=body.get("email"),
            password=body.get("password"),
            full_name=body["full_name"],
            language=body["language"],
            position=body.get("position"),
        )
        uow.commit()
        user_id = user.id
    return _one(user_id)
