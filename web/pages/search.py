"""The search page, ``/search?q=``: the header's search box leads here.

One statement per page besides authentication (``workflow.queries.search``); further pages go
by the opaque ``cursor`` the previous page links to, as in the API.
"""

from __future__ import annotations

import base64
import binascii
import json

from flask import Blueprint, render_template, request

from web.api.paging import encode_cursor
from web.current import engine
from web.pages.common import actor, signed_in
from web.search_places import place
from workflow.queries.search import search

bp = Blueprint("search", __name__)
PER_PAGE = 20
MAX_QUERY = 200


def _after(cursor: str | None) -> tuple[float, int] | None:
    """The keyset a cursor encodes; a damaged one starts from the first page."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return float(key[0]), int(key[1])
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error, UnicodeDecodeError):
        return None


@bp.get("/search")
@signed_in
def results():
    q = (request.args.get("q") or "").strip()[:MAX_QUERY]
    hits, next_cursor = [], None
    if q:
        eng = engine()
        with eng.uow(write=False) as uow:
            page = search(uow.session, actor(), q, PER_PAGE, _after(request.args.get("cursor")))
        hits = [(hit, place(hit)) for hit in page.hits]
        next_cursor = encode_cursor(*page.next_after) if page.next_after else None
    return render_template("search/results.html", q=q, hits=hits, next_cursor=next_cursor)
