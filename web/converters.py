"""The one path converter for integer ids on every route: ``<int:case_id>`` means 1 … 2**31-1.

Werkzeug's own ``int`` accepts any length of digits, so ``/agreements/9223372036854775808``
reached the database, which could not bind it (SQLite: OverflowError, a 500). An id outside the
range of the id columns is not a route at all: 404, like any page that does not exist. The API's
routes already say ``int(min=1, max=MAX_ID)`` and keep working with this class.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2_147_483_647  # INTEGER, the narrowest id column (organizations, users)


class DatabaseId(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def install(app) -> None:
    """Before any blueprint is registered: rules bind their converters when they are added."""
    app.url_map.converters["int"] = DatabaseId
