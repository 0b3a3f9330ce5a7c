"""The Flask application factory.

    app = create_app()                       # settings from SOGLASIE_* variables
    app = create_app(settings, engine=eng)   # tests: their own settings and engine

Nothing is read or built at import time. ``create_app`` builds the engine, which refuses to start
(``DefinitionError``) on a bad definition, and compiles the message catalogues (see
``web.i18n``). It never starts a scheduler: the worker is its own process (``soglasie worker``),
or one thread of ``soglasie demo``.

Cookies: the session cookie and Flask-Login's remember cookie are ``HttpOnly`` and
``SameSite=Lax``, and ``Secure`` in production. Both name a server-side session
(``web.auth.users``), so signing out ends them for good. Set ``SOGLASIE_TRUSTED_PROXIES=1``
(the number of reverse proxies in front) so client addresses for sign-in throttling come from
``X-Forwarded-For`` rather than the proxy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from web.errors import register_error_handlers
from web.extensions import babel, csrf, login_manager
from web.security import install_security_headers
from workflow import audit_key, demo_clock, email_decisions
from workflow.engine import Engine
from workflow.fields import dates
from workflow.persistence import commit_outcome
from workflow.settings import Settings, from_env


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    config: dict[str, Any] | None = None,
) -> Flask:
    settings = (settings or from_env()).check_safe()
    app = Flask(__name__)
    from web import converters

    converters.install(app)
    secure = settings.is_production
    from web.i18n import compile_catalogues

    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_NAME="soglasie_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=dt.timedelta(days=settings.remember_days),
        REMEMBER_COOKIE_NAME="soglasie_remember",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours),
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session, which expires on its own
        BABEL_DEFAULT_LOCALE="ru",
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(
            compile_catalogues(cache_root=settings.extra.get("SOGLASIE_CACHE_DIR"))
        ),
        PREFERRED_URL_SCHEME="https" if secure else "http",
    )
    app.config.update(config or {})
    app.extensions["soglasie.settings"] = settings
    if engine is None:
        engine = Engine.create(settings.database_url, settings.definitions_dir)
        demo_clock.install(engine, settings)  # demo mode only: the simulated clock
    app.extensions["soglasie.engine"] = engine
    app.extensions["soglasie.engine"].document_limits = settings.document_limits()
    # How long a request whose COMMIT lost its connection waits to learn whether it committed.
    commit_outcome.configure(
        app.extensions["soglasie.engine"].session_factory,
        commit_outcome.seconds_from(settings.extra.get("SOGLASIE_COMMIT_OUTCOME_SECONDS")),
    )
    # The years a date field accepts (marshmallow schemas read them from workflow.fields.dates).
    dates.configure(settings.date_min_year, settings.date_max_year)
    email_decisions.configure(app.extensions["soglasie.engine"].email_decisions, settings)
    audit_key.configure(app.extensions["soglasie.engine"].audit_key, settings)
    proxies = int(settings.extra.get("SOGLASIE_TRUSTED_PROXIES", "0") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    from web.uploads import install_upload_limits

    install_upload_limits(app)  # before CSRF, whose check is what first reads the form
    csrf.init_app(app)
    from web.i18n import install_template_gettext, select_locale, select_timezone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    from web.auth import users  # noqa: F401  (registers the user loader)

    install_security_headers(app)
    register_error_handlers(app)
    from web import formatting

    formatting.install(app)
    from web.blueprints import register_blueprints

    register_blueprints(app)
    return app
