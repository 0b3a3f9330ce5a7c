"""``/api/v1/tokens``: my personal API tokens. The token text is in the creation response only;
afterwards a token is known by its name and prefix. Revoking takes effect on the next request.
"""

from __future__ import annotations

from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import ID, BaseSchema, api_blueprint
from web.current import engine
from workflow.services import tokens

blp = api_blueprint("tokens", "/tokens", "Personal API tokens.")


class TokenOut(BaseSchema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    prefix = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    expires_on = fields.Date(allow_none=True, required=True)
    last_used_at = fields.DateTime(allow_none=True, required=True)
    revoked_at = fields.DateTime(allow_none=True, required=True)


class NewTokenOut(TokenOut):
    token = fields.String(required=True, metadata={"description": "Shown once: store it now."})


class TokenIn(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    expires_on = fields.Date(allow_none=True, metadata={"description": "Last valid day"})


@blp.route("", methods=["GET"])
@blp.response(200, TokenOut(many=True))
def list_tokens():
    """My tokens, newest first (revoked ones say when)."""
    return tokens.list_tokens(engine(), actor())


@blp.route("", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(201, NewTokenOut)
def create_token(body):
    """Create a token that acts as me; the response is the only time its text is shown."""
    info, plaintext = tokens.create_token(engine(), actor(), body["name"], body.get("expires_on"))
    return {**vars(info), "token": plaintext}


@blp.route(f"/<{ID}:token_id>", methods=["DELETE"])
@blp.response(200, TokenOut)
def revoke_token(token_id: int):
    """Revoke one of my tokens (administrators: anyone's)."""
    return tokens.revoke_token(engine(), actor(), token_id)
