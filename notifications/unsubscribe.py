"""Unsubscribe links: ``{base_url}/unsubscribe/<token>``, the token signed with the secret key.

The token carries only the user id; it does not expire (a link in a year-old reminder must still
work) and cannot be forged without ``SOGLASIE_SECRET_KEY``. Rotating the key invalidates every
link sent before, which is the intended way to revoke them. Every email to a person carries
the link, in ``List-Unsubscribe`` and in its footer. The web app's page (``web.pages.unsubscribe``)
shows the person's email choices (at once, daily digest, none); a one-click POST (RFC 8058)
sets ``notify_mode`` to ``off``.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "soglasie.unsubscribe.v1"


def _serializer(settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=SALT)


def make_unsubscribe_token(settings, user_id: int) -> str:
    return _serializer(settings).dumps({"u": int(user_id)})


def read_unsubscribe_token(settings, token: str) -> int | None:
    """The user id in a valid token; ``None`` for a forged, damaged or foreign token."""
    try:
        data = _serializer(settings).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return data["u"]


def unsubscribe_url(settings, user_id: int) -> str:
    return (
        f"{settings.base_url.rstrip('/')}/unsubscribe/{make_unsubscribe_token(settings, user_id)}"
    )
