"""``/api/v1/users``: the caller herself (``/users/me``) for everyone; the list, any one user,
creating users and changing their roles, activity and password for administrators — the admin
pages' services (``workflow.services.user_admin``).
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor, require_admin
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.api.organizations import after_id
from web.api.paging import PageArgs, page_schema, paged
from web.current import engine
from workflow.passwords import password_problem
from workflow.queries import api_directory
from workflow.services import user_admin

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


class UserPatch(BaseSchema):
    roles = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=30)
    )
    is_active = fields.Boolean()
    password = fields.String(load_only=True, validate=validate.Length(min=1, max=200))


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
    user_id = user_admin.add_user(
        engine(),
        actor(),
        body["username"],
        body["org_code"],
        body["roles"],
        email=body.get("email"),
        password=body.get("password"),
        full_name=body["full_name"],
        language=body["language"],
        position=body.get("position"),
    )
    return _one(user_id)


@blp.route(f"/<{ID}:user_id>", methods=["PATCH"])
@blp.arguments(UserPatch)
@blp.response(200, UserOut)
def change_user(body, user_id: int):
    """Replace a user's roles, (de)activate her, or set her password (administrators). Each
    change is its own transaction, in that order; the password is checked before any of them."""
    who = require_admin()
    _one(user_id)
    if "password" in body and (problem := password_problem(body["password"])):
        abort(400, message=problem, errors={"password": problem})
    if "roles" in body:
        user_admin.set_roles(engine(), who, user_id, body["roles"])
    if "is_active" in body:
        user_admin.set_active(engine(), who, user_id, body["is_active"])
    if "password" in body:
        user_admin.set_password(engine(), who, user_id, body["password"])
    return _one(user_id)
