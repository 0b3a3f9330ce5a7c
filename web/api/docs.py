"""``/api/v1/docs``: the API reference as a plain HTML page built from the OpenAPI document on
the server. No script, no CDN (the app's CSP forbids both); the full document is one link away
at ``/api/v1/openapi.json`` for tools such as Swagger UI run locally.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

from web.api.core import PREFIX

bp = Blueprint("api_docs_page", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }} — API reference</title>
</head><body><main>
<h1>{{ title }} {{ version }}</h1>
<p>Authenticate with a personal token: <code>Authorization: Bearer sgl_…</code> (create one with
<code>POST {{ prefix }}/tokens</code>, or <code>soglasie tokens create USERNAME</code>).
Errors are JSON: <code>{"status", "code", "message", "errors"}</code>; when fields are refused,
<code>messages</code> words each for people in the language of <code>Accept-Language</code>
(ru or en; English without one), and each refused transition carries a <code>text</code> too.
The machine-readable document: <a href="{{ prefix }}/openapi.json">openapi.json</a>.</p>
{% for tag, operations in groups %}
<section><h2 id="{{ tag }}">{{ tag }}</h2>
{% if descriptions.get(tag) %}<p>{{ descriptions[tag] }}</p>{% endif %}
<table><thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead><tbody>
{% for method, path, summary in operations %}
<tr><td><code>{{ method }}</code></td><td><code>{{ path }}</code></td><td>{{ summary }}</td></tr>
{% endfor %}</tbody></table></section>
{% endfor %}
</main></body></html>"""


@bp.get(f"{PREFIX}/docs")
def docs():
    api = current_app.extensions["soglasie.api"]
    spec = api.spec.to_dict()
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            tag = (operation.get("tags") or ["other"])[0]
            summary = operation.get("summary") or operation.get("description") or ""
            groups.setdefault(tag, []).append((method.upper(), path, summary))
    descriptions = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    return render_template_string(
        PAGE,
        title=spec["info"]["title"],
        version=spec["info"]["version"],
        prefix=PREFIX,
        groups=sorted(groups.items()),
        descriptions=descriptions,
    )
