"""Where a search hit is, for people: "Text, version 3, English", "Comment by Ivanova on 2 March
2026". Shared by the search page and ``/api/v1/search`` (in the reader's language)."""

from __future__ import annotations

from flask_babel import gettext as _

from web.formatting import fdate, language_name
from workflow.queries.search import Hit


def place(hit: Hit) -> str:
    if hit.source == "title":
        return _("Title in the partner's language") if hit.source_key == "partner" else _("Title")
    if hit.source == "partner":
        return _("Partner")
    if hit.source == "document":
        return _(
            "Text, version %(number)s, %(language)s",
            number=hit.number,
            language=language_name(hit.language),
        )
    if hit.source == "comment":
        return _(
            "Comment by %(author)s on %(date)s",
            author=hit.author_name or _("the system"),
            date=fdate(hit.at),
        )
    if hit.source == "activity":
        return _("Plan activity %(number)s", number=hit.number)
    return hit.source
