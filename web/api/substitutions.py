"""``/api/v1/substitutions``: handing my tasks to a colleague while I am away (and ending it).

The rules are the service's (``workflow.services.substitutions``): same organization, at most a
year, no overlap, only the absent person or an administrator.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.current import engine
from workflow.queries import api_directory

blp = api_blueprint("substitutions", "/substitutions", "Substitution during absence.")


class SubstitutionArgs(BaseSchema):
    user_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Administrators: someone else's substitutions"},
    )


class SubstitutionOut(BaseSchema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    substitute_id = fields.Integer(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    created_at = fields.DateTime(required=True)
    revoked = fields.Boolean(required=True)


class SubstitutionIn(BaseSchema):
    substitute_id = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    user_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "The absent person (default: me; others: administrators)"},
    )


def _one(substitution_id: int):
    with engine().uow(write=False) as uow:
        rows = api_directory.substitutions(uow.session, None, substitution_id=substitution_id)
    who = actor()
    if not rows or not (who.is_admin or who.user_id in (rows[0].user_id, rows[0].substitute_id)):
        abort(404, message=f"No substitution {substitution_id}.")
    return rows[0]


@blp.route("", methods=["GET"])
@blp.arguments(SubstitutionArgs, location="query")
@blp.response(200, SubstitutionOut(many=True))
def list_substitutions(args):
    """Substitutions I gave or received, newest first."""
    who = actor()
    user_id = args.get("user_id", who.user_id)
    if user_id != who.user_id and not who.is_admin:
        abort(403, message="Only administrators may read other people's substitutions.")
    with engine().uow(write=False) as uow:
        return api_directory.substitutions(uow.session, user_id)


@blp.route("", methods=["POST"])
@blp.arguments(SubstitutionIn)
@blp.response(201, SubstitutionOut)
def add_substitution(body):
    """Name a colleague who acts for me (or, for administrators, for ``user_id``)."""
    new_id = engine().set_substitution(
        actor(),
        body["substitute_id"],
        body["starts_on"],
        body["ends_on"],
        user_id=body.get("user_id"),
    )
    return _one(new_id)


@blp.route(f"/<{ID}:substitution_id>", methods=["DELETE"])
@blp.response(200, SubstitutionOut)
def end_substitution(substitution_id: int):
    """End a substitution at once (it stays in the record, marked revoked)."""
    _one(substitution_id)
    engine().revoke_substitution(actor(), substitution_id)
    return _one(substitution_id)
