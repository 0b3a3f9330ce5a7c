"""``/healthz``: the process is up and the database answers."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from web.current import engine

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    with engine().uow(write=False) as uow:
        uow.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
