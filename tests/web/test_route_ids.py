"""Every route with an integer id answers 404 (not 500) for an id no id column can hold, on
both backends: one converter for all of them, checked over the URL map as the access matrix is."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter

OUT_OF_RANGE = ("9223372036854775808", "2147483648", "0")
_PART = re.compile(r"<(?:[^:<>]+:)?(\w+)>")
OTHER_VALUES = {"party": "russian", "lang": "ru", "language": "ru"}


def _urls(app, value: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        converters = rule._converters
        ids = {n for n, c in converters.items() if isinstance(c, IntegerConverter)}
        if not ids or "GET" not in rule.methods:
            continue

        def fill(match, ids=ids):
            name = match.group(1)
            return value if name in ids else OTHER_VALUES.get(name, "x")

        urls.append(_PART.sub(fill, rule.rule))
    return urls


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_every_id_route_answers_404_for_an_id_out_of_range(app, signed_in, value):
    admin = signed_in("admin")
    urls = _urls(app, value)
    assert len(urls) >= 20, urls
    wrong = []
    for url in urls:
        response = admin.get(url)
        if response.status_code != 404:
            wrong.append(f"{url}: {response.status_code}")
        response.close()
    assert not wrong, wrong
