"""``/``: the inbox for people who signed in, the public list of regions for everyone else."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

bp = Blueprint("home", __name__)


@bp.get("/")
def home():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.inbox"))
    return redirect(url_for("public.index"))
