"""Posting a large multipart body through Flask's test client without leaking its temp file.

Werkzeug's test client spools a body over 500 KB to a temporary file and leaves it open when the
app answers without reading it (a refused upload); the warnings-as-errors run then fails at
garbage collection. This builds the request itself and closes the body afterwards.
"""

from __future__ import annotations

from werkzeug.test import EnvironBuilder


def post_multipart(client, path: str, data: dict, headers: dict | None = None, **environ):
    builder = EnvironBuilder(
        path=path, method="POST", data=data, headers=headers or {}, environ_overrides=environ
    )
    request = builder.get_environ()
    try:
        return client.open(request)
    finally:
        request["wsgi.input"].close()
        builder.close()
