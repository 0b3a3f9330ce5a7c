"""Administration pages (administrators only): users and roles, organizations and their CSV
import, workflow definitions, undeliverable messages, and the demo mailbox."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    from flask_login import current_user

    from web.pages.common import require_admin, to_login

    if not current_user.is_authenticated:
        return to_login()
    require_admin()
    return None


from web.pages.admin import clock, definitions, messages, orgs, users  # noqa: E402, F401
