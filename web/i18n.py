"""Languages: which one a request uses, and the compiled message catalogues.

Russian is the default; a person switches with the language buttons (kept in the session) or
through her profile's language. Browser ``Accept-Language`` is deliberately ignored: officials
share machines with English-language browsers and expect the Russian service.

Catalogues: the ``.po`` files under ``web/translations`` are the source (reviewed and committed);
the ``.mo`` files Babel reads are build output, so they are not committed. ``compile_catalogues``
builds them when the app starts into a cache folder named after a hash of the ``.po`` contents
(``SOGLASIE_CACHE_DIR``, default the system temp folder). Starting is idempotent and safe with
several processes: each writes into a private temporary folder and renames it into place; a
loser of the race simply uses the winner's copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, has_request_context, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
SOURCE = Path(__file__).resolve().parent / "translations"


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        return current_user.language
    return DEFAULT_LANGUAGE


def select_timezone() -> str | None:
    """The signed-in reader's organization's zone (a Kaliningrad clerk sees Kaliningrad time,
    a Vladivostok one Vladivostok time); BABEL_DEFAULT_TIMEZONE (Europe/Moscow) for anyone else."""
    from flask import g, has_request_context
    from flask_login import current_user

    if not has_request_context() or not current_user.is_authenticated:
        return None
    record = g.get("soglasie_user")
    return getattr(record, "timezone", None)


def compile_catalogues(source: Path = SOURCE, cache_root: Path | str | None = None) -> Path:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``source``; return the folder of .mo files.

    Raises ``ValueError`` naming the file if a catalogue does not parse.
    """
    files = sorted(source.glob("*/LC_MESSAGES/*.po"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(str(path.relative_to(source)).encode())
        digest.update(path.read_bytes())
    root = Path(cache_root or tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"soglasie-translations-{digest.hexdigest()[:16]}"
    if (target / ".complete").exists():
        return target
    scratch = Path(tempfile.mkdtemp(prefix=".soglasie-translations-", dir=root))
    try:
        for path in files:
            with path.open("rb") as handle:
                try:
                    catalog = read_po(handle, abort_invalid=True)
                except Exception as exc:  # babel raises several types; name the file
                    raise ValueError(f"{path}: cannot read the catalogue: {exc}") from exc
            out = scratch / path.relative_to(source).with_suffix(".mo")
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("wb") as handle:
                write_mo(handle, catalog, use_fuzzy=False)
        (scratch / ".complete").write_text("ok")
        try:
            os.replace(scratch, target)
        except OSError:
            if not (target / ".complete").exists():
                raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    return target


# --- fast lookups -----------------------------------------------------------------------------
# A page translates ~150 strings and asks for its language ~100 times. Flask-Babel finds the
# request's locale and translations through several context lookups on every call (~14 µs a
# gettext, ~5 µs a get_locale), and Jinja's newstyle ``_`` adds two more indirections: together a
# fifth of an inbox page's CPU in bench: http. Both are fixed once the request's locale is
# chosen (no page switches it with force_locale), so they are looked up once and kept on ``g``.
# The functions below keep Flask-Babel's and Jinja's semantics; only the lookups are cached.


def _translations():
    try:
        found = g.get("_soglasie_translations")
    except RuntimeError:  # no application context: Flask-Babel's answer (no translations)
        return get_translations()
    if found is None:
        found = g._soglasie_translations = get_translations()
    return found


def language() -> str:
    """The request's language code (``ru`` outside a request)."""
    try:
        found = g.get("_soglasie_language")
    except RuntimeError:  # no application context: a command, a worker
        return DEFAULT_LANGUAGE
    if found is None:
        locale = get_locale()
        found = g._soglasie_language = locale.language if locale is not None else DEFAULT_LANGUAGE
    return found


def gettext(string: str, **variables) -> str:
    """``flask_babel.gettext``: formats with ``%`` only when given variables."""
    translated = _translations().ugettext(string)
    return translated % variables if variables else translated


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """``flask_babel.ngettext``: ``num`` is available to the format as ``%(num)d``."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


# Jinja's newstyle gettext (``install_gettext_callables(newstyle=True)``): the translation is
# trusted markup when autoescaping, the variables are escaped, and ``%`` formatting always
# applies (so ``%%`` in a message renders as ``%``).
def _as_template_text(eval_ctx, translated: str, variables: dict) -> str:
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


@pass_eval_context
def _template_gettext(eval_ctx, __string: str, **variables) -> str:
    return _as_template_text(eval_ctx, _translations().ugettext(__string), variables)


@pass_eval_context
def _template_ngettext(eval_ctx, __singular: str, __plural: str, __num: int, **variables) -> str:
    variables.setdefault("num", __num)
    translated = _translations().ungettext(__singular, __plural, __num)
    return _as_template_text(eval_ctx, translated, variables)


def install_template_gettext(app) -> None:
    """Replace the template callables Flask-Babel installed (newstyle, with the i18n extension)
    for the ones templates use; ``pgettext``/``npgettext`` (unused) stay Flask-Babel's. ``_``
    otherwise goes through an alias that looks ``gettext`` up in the context again."""
    app.jinja_env.globals.update(
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext
    )
