"""``/api/v1/webhooks``: an organization's webhook subscriptions and their delivery log.

Deliveries are POSTs of JSON, signed ``X-Soglasie-Signature: t=<unix time>,v1=<hex>`` where
``hex = HMAC-SHA256(secret, "<t>." + body)``, with the delivery id in ``X-Soglasie-Delivery``
(the same on every retry of one delivery) and the event kind in ``X-Soglasie-Event``. A
receiver should reject a timestamp more than five minutes old and ignore a delivery id it has
already processed. See ``notifications.webhooks``.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import ID, MAX_ID, BaseSchema, api_blueprint
from web.api.paging import PageArgs, decode_cursor, page_schema, paged
from web.current import engine, settings
from workflow.queries import api_directory
from workflow.services import webhook_subscriptions as subs
from workflow.services.webhooks import EVENT_KINDS

blp = api_blueprint("webhooks", "/webhooks", "Webhook subscriptions of an organization.")

EVENTS = fields.List(
    fields.String(validate=validate.OneOf(EVENT_KINDS)),
    validate=validate.Length(min=1, max=len(EVENT_KINDS)),
    metadata={"description": "Event kinds: " + ", ".join(EVENT_KINDS)},
)


class SubscriptionOut(BaseSchema):
    id = fields.Integer(required=True)
    org_id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    description = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    created_by = fields.Integer(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class SubscriptionWithSecret(SubscriptionOut):
    secret = fields.String(required=True, metadata={"description": "Shown once: store it now."})


class SubscriptionIn(BaseSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=500))
    events = EVENTS
    description = fields.String(load_default="", validate=validate.Length(max=300))
    org_id = fields.Integer(
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={"description": "Administrators: another organization"},
    )


class SubscriptionPatch(BaseSchema):
    url = fields.String(validate=validate.Length(min=1, max=500))
    events = EVENTS
    description = fields.String(validate=validate.Length(max=300))
    is_active = fields.Boolean()


class SecretOut(BaseSchema):
    id = fields.Integer(required=True)
    secret = fields.String(required=True)


class DeliveryOut(BaseSchema):
    id = fields.Integer(required=True)
    delivery_id = fields.String(required=True)
    event = fields.String(required=True)
    url = fields.String(allow_none=True, required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    status = fields.String(required=True, metadata={"description": "pending | sent | dead"})
    attempts = fields.Integer(required=True)
    last_error = fields.String(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)
    next_attempt_at = fields.DateTime(required=True)
    sent_at = fields.DateTime(allow_none=True, required=True)


DeliveryPage = page_schema("DeliveryPage", DeliveryOut)


def _https_in_production(url: str | None) -> None:
    """Signed bodies still travel in clear over http: production insists on https."""
    if url is not None and settings().is_production and not url.startswith("https://"):
        abort(422, errors={"url": "Use an https:// address."})


@blp.route("", methods=["GET"])
@blp.response(200, SubscriptionOut(many=True))
def list_subscriptions():
    """My organization's subscriptions (administrators: every organization's)."""
    return subs.list_subscriptions(engine(), actor())


@blp.route("", methods=["POST"])
@blp.arguments(SubscriptionIn)
@blp.response(201, SubscriptionWithSecret)
def create_subscription(body):
    """Subscribe a URL to event kinds; the response carries the signing secret, once."""
    _https_in_production(body.get("url"))
    info, secret = subs.create_subscription(
        engine(),
        actor(),
        body["url"],
        body.get("events") or [],
        body["description"],
        org_id=body.get("org_id"),
    )
    return {**vars(info), "secret": secret}


@blp.route(f"/<{ID}:subscription_id>", methods=["GET"])
@blp.response(200, SubscriptionOut)
def get_subscription(subscription_id: int):
    """One subscription (without its secret)."""
    return subs.get_subscription(engine(), actor(), subscription_id)


@blp.route(f"/<{ID}:subscription_id>", methods=["PATCH"])
@blp.arguments(SubscriptionPatch)
@blp.response(200, SubscriptionOut)
def update_subscription(body, subscription_id: int):
    """Change the URL, the event kinds, the description, or pause it (``is_active``)."""
    _https_in_production(body.get("url"))
    return subs.update_subscription(engine(), actor(), subscription_id, body)


@blp.route(f"/<{ID}:subscription_id>", methods=["DELETE"])
@blp.response(204)
def delete_subscription(subscription_id: int):
    """Remove the subscription; deliveries still queued for it are dropped by the worker."""
    subs.delete_subscription(engine(), actor(), subscription_id)


@blp.route(f"/<{ID}:subscription_id>/secret", methods=["POST"])
@blp.response(200, SecretOut)
def rotate_secret(subscription_id: int):
    """Replace the signing secret; deliveries from now on are signed with the new one."""
    return {"id": subscription_id, "secret": subs.rotate_secret(engine(), actor(), subscription_id)}


@blp.route(f"/<{ID}:subscription_id>/deliveries", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, DeliveryPage)
def list_deliveries(args, subscription_id: int):
    """The delivery log: every event queued for this subscription, newest first, with its
    status, attempts and last error."""
    subs.get_subscription(engine(), actor(), subscription_id)
    key = decode_cursor(args.get("cursor"), 1)
    if key is not None and (not isinstance(key[0], int) or not 0 < key[0] <= 2**62):
        abort(422, errors={"cursor": "Not a cursor this API gave out."})
    with engine().uow(write=False) as uow:
        rows = api_directory.webhook_deliveries(
            uow.session,
            subscription_id,
            before_id=key[0] if key else None,
            limit=args["limit"] + 1,
        )
    return paged(rows, args["limit"], lambda r: (r.id,))
