"""Languages: Russian by default, English on request; catalogues complete and in step with the
code; dates in the reader's locale; compiled catalogues built at start, never committed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.web import scenario
from tests.web.conftest import Browser
from web.i18n import SOURCE, compile_catalogues

WEB = Path(__file__).resolve().parents[2] / "web"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extracted() -> set:
    with (WEB / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        WEB, method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message)
    return found


def _catalog(lang: str):
    with (SOURCE / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted():
    return _extracted()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_message_of_the_pages_is_translated(extracted, lang):
    catalog = _catalog(lang)
    known = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
    untranslated = []
    for message in extracted:
        entry = known.get(message if isinstance(message, str) else message[0])
        strings = entry.string if entry else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            untranslated.append(message)
    assert not untranslated, f"{lang}: untranslated {sorted(map(str, untranslated))}"


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_catalogues_carry_no_messages_the_code_no_longer_uses(extracted, lang):
    wanted = {m if isinstance(m, str) else m[0] for m in extracted}
    stale = [
        m.id
        for m in _catalog(lang)
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in wanted
    ]
    assert not stale, f"{lang}: obsolete entries {stale}"


def test_translations_keep_the_placeholders_of_their_message():
    for message in _catalog("ru"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (ids[0], string)


def test_russian_plurals_use_three_forms():
    catalog = _catalog("ru")
    assert catalog.num_plurals == 3
    assert all(len(m.string) == 3 for m in catalog if m.id and m.pluralizable)


def test_compiled_catalogues_are_build_output_not_source(tmp_path):
    assert not list(SOURCE.rglob("*.mo"))
    first = compile_catalogues(cache_root=tmp_path)
    assert compile_catalogues(cache_root=tmp_path) == first
    assert (first / "ru" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]  # no scratch left


def test_russian_is_the_default_and_english_is_one_click_away(app):
    browser = Browser(app.test_client(), lang=None)
    page = browser.get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in page and "Имя пользователя" in page
    response = browser.post("/language", {"lang": "en", "next": "/login"}, form_page="/login")
    assert response.headers["Location"] == "/login"
    page = browser.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Username" in page
    browser.login("ini")
    assert "My tasks" in browser.get("/inbox").get_data(as_text=True)  # the choice survives


def test_dates_definitions_and_plurals_follow_the_reader_language(engine, web_world, app):
    case_id = scenario.create_regional(engine, web_world)
    scenario.to_federal_review(engine, web_world, case_id)
    ru = Browser(app.test_client(), lang=None)
    ru.login("minec")
    html = ru.get("/inbox?tab=claimable").get_data(as_text=True)
    assert "1 апреля 2026" in html and "через 21 рабочий день" in html
    assert "Федеральное согласование" in html
    en = Browser(app.test_client(), lang="en")
    en.login("minec")
    html = en.get("/inbox?tab=claimable").get_data(as_text=True)
    assert "1 April 2026" in html and "in 21 working days" in html
    assert "Federal review" in html


def test_a_users_own_language_applies_when_she_has_not_chosen_one(engine, web_world, app):
    from sqlalchemy import update

    from workflow.persistence.models import User

    with engine.uow() as uow:
        uow.session.execute(update(User).where(User.username == "mfa").values(language="en"))
        uow.commit()
    browser = Browser(app.test_client(), lang=None)
    browser.login("mfa")
    assert "My tasks" in browser.get("/inbox").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_templates_translate_as_jinjas_newstyle_gettext_would(app, lang):
    """Our cached ``_``/``ngettext`` in templates (web.i18n) keep Jinja's newstyle semantics:
    the message is trusted markup, the variables are escaped, ``%%`` renders as ``%``."""
    from jinja2 import Environment

    from web.i18n import _translations

    source = (
        "{{ _('Acting for %(name)s', name=who) }}|{{ _('Inbox') }}|{{ _('100%% done') }}|"
        "{{ ngettext('in %(num)d working day', 'in %(num)d working days', n) }}"
    )
    with app.test_request_context("/", headers={"Cookie": ""}):
        from flask import session

        session["lang"] = lang
        ours = app.jinja_env.from_string(source).render(who="<b>Ann</b>", n=3)
        reference = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
        reference.install_gettext_translations(_translations(), newstyle=True)
        expected = reference.from_string(source).render(who="<b>Ann</b>", n=3)
    assert ours == expected
    assert "&lt;b&gt;Ann&lt;/b&gt;" in ours and "100% done" in ours
    assert ("через 3 рабочих дня" if lang == "ru" else "in 3 working days") in ours
