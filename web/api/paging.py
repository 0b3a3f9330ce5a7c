"""Cursor pagination: opaque cursors that encode the sort key of the last item of a page.

Keyset pagination (``WHERE (sort, id) < (last sort, last id)``) costs the same on page 1,000 as
on page 1 and never repeats or skips an item that did not change meanwhile; an item updated
between two requests may move to the top and be seen again, which is what a sync wants.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.core import BaseSchema

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(*key: Any) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    """The key list a cursor encodes; 422 when it is not one of ours."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or len(key) != arity:
        abort(422, errors={"cursor": "Not a cursor this API gave out."})
    return key


class PageArgs(BaseSchema):
    cursor = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "The `next_cursor` of the previous page."},
    )
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT)
    )


def page_schema(name: str, item_schema: type[BaseSchema]) -> type[BaseSchema]:
    """A ``{"items": [...], "next_cursor": str | null}`` schema for ``item_schema``."""
    return type(
        name,
        (BaseSchema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Pass as `cursor` for the next page; null at the end."},
            ),
        },
    )


def paged(rows: list[Any], limit: int, key) -> dict[str, Any]:
    """Rows fetched with ``limit + 1``: the page, and a cursor if there is more."""
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": rows,
        "next_cursor": encode_cursor(*key(rows[-1])) if more and rows else None,
    }
