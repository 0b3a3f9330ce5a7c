"""``/api/v1/search``: full-text search over the cases the caller may see.

Items are hits (a case can hit several times: in its title, a document, a comment), best first,
cursor-paginated on the keyset (rank, entry id). ``snippet`` is HTML in which only ``<mark>``
is markup; everything else is escaped.
"""

from __future__ import annotations

from flask_smorest import abort
from marshmallow import fields, validate

from web.api.auth import actor
from web.api.core import BaseSchema, api_blueprint
from web.api.paging import PageArgs, decode_cursor, encode_cursor
from web.current import engine
from web.search_places import place
from workflow.queries.search import search

blp = api_blueprint("search", "/search", "Full-text search over agreements, plans and meetings.")


class SearchArgs(PageArgs):
    q = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200, error="Give 1 to 200 characters to search for."),
        metadata={
            "description": 'Words (all must occur, in any form: "соглашение" finds '
            '"соглашения"), "a quoted phrase", `or` between alternatives, -word to exclude.'
        },
    )


class HitOut(BaseSchema):
    id = fields.Integer(required=True, metadata={"description": "The case's id"})
    title = fields.String(required=True, metadata={"description": "The case's title"})
    source = fields.String(
        required=True,
        validate=validate.OneOf(("title", "partner", "document", "comment", "activity")),
    )
    place = fields.String(required=True, metadata={"description": "Where the hit is, for people"})
    snippet = fields.String(required=True, metadata={"description": "HTML; hits in <mark>"})
    rank = fields.Float(required=True, metadata={"description": "Higher is better"})


class SearchPageOut(BaseSchema):
    items = fields.List(fields.Nested(HitOut), required=True)
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass as `cursor` for the next page; null at the end."},
    )


@blp.route("", methods=["GET"])
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchPageOut)
def search_cases(args):
    """Search titles, partner names, the latest texts, comments and plan activities."""
    q = args["q"].strip()
    if not q:
        abort(422, errors={"q": ["Give 1 to 200 characters to search for."]})
    after = decode_cursor(args.get("cursor"), 2)
    key = None
    if after is not None:
        try:
            key = (float(after[0]), int(after[1]))
        except (TypeError, ValueError):
            abort(422, errors={"cursor": "Not a cursor this API gave out."})
    eng = engine()
    with eng.uow(write=False) as uow:
        page = search(uow.session, actor(), q, args["limit"], key)
    return {
        "items": [
            {
                "id": hit.case_id,
                "title": hit.case_title,
                "source": hit.source,
                "place": place(hit),
                "snippet": hit.snippet,
                "rank": hit.rank,
            }
            for hit in page.hits
        ],
        "next_cursor": encode_cursor(*page.next_after) if page.next_after else None,
    }
