"""Server-rendered pages, one blueprint per area, registered by ``register_pages``."""

from __future__ import annotations

from flask import Flask


def register_pages(app: Flask) -> None:
    from web.auth.views import bp as auth
    from web.pages import (  # noqa: F401  (more routes)
        case_page,
        documents,
        form_once,
        meeting_actions,
        plan_items,
    )
    from web.pages.account import bp as account
    from web.pages.admin import bp as admin
    from web.pages.cases import bp as cases
    from web.pages.dashboard import bp as dashboard
    from web.pages.decide import bp as decide
    from web.pages.home import bp as home
    from web.pages.inbox import bp as inbox
    from web.pages.meetings import bp as meetings
    from web.pages.papers import bp as papers
    from web.pages.public import bp as public
    from web.pages.regions import bp as regions
    from web.pages.search import bp as search
    from web.pages.settings import bp as settings
    from web.pages.unsubscribe import bp as unsubscribe

    for blueprint in (
        home,
        auth,
        inbox,
        cases,
        regions,
        public,
        meetings,
        dashboard,
        admin,
        settings,
        account,
        unsubscribe,
        decide,
        papers,
        search,
    ):
        app.register_blueprint(blueprint)
    form_once.install(app)  # {{ form_token() }} in the templates
