"""Registers every blueprint. Each area adds its blueprint here (one line)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Add ``app.register_blueprint(...)`` lines as areas land (pages, API, admin…)."""
    from web.health import bp as health

    app.register_blueprint(health)
    from web.pages import register_pages

    register_pages(app)
    from web.api import register_api

    register_api(app)
