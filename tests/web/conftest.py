"""Fixtures for the web tests: the app on an engine with the shipped definitions, a world of
people holding the shipped procedures' roles (every password ``PASSWORD``), and a client that
signs in and submits forms with their CSRF tokens like a browser would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update

from tests.support.world import ORGS, World, build_world
from web.app import create_app
from workflow import passwords
from workflow.definitions.directory import DEFAULT_DIRECTORY, load_directory
from workflow.engine import Engine
from workflow.persistence.models import Organization, User
from workflow.settings import Settings

PASSWORD = "correct-horse-battery"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

USERS = [
    # username, org, roles, full name
    ("ini", "RU-TST", ["initiator"], "Анна Ильина"),
    ("legal", "RU-TST", ["legal_office"], "Олег Лебедев"),
    ("head", "RU-TST", ["head_of_region"], "Игорь Головин"),
    ("ini2", "RU-TST", ["initiator"], "Пётр Иванов"),
    ("clerk", "RU-TST", [], "Елена Секретарёва"),  # no role of her own: acts as a substitute
    ("city", "RU-TST-CITY", ["initiator"], "Галина Городецкая"),
    ("other", "RU-OTH", ["initiator"], "Дарья Осипова"),
    ("mfa", "MFA", ["mfa_reviewer"], "Мария Фёдорова"),
    ("minec", "MINEC", ["minec_reviewer"], "Николай Миронов"),
    ("sector", "SECTOR", ["sectoral_reviewer"], "Светлана Сергеева"),
    ("minjust", "MINJUST", ["minjust_registrar"], "Юрий Юстов"),
    ("coord", "RSTR", ["coordinator"], "Ксения Коваль"),
    ("admin", "RSTR", ["admin"], "Администратор"),
]
REGION_NAMES_EN = {"RU-TST": "Test Oblast", "RU-OTH": "Other Oblast"}


# Argon2id with the production profile costs ~0.4 s per check here; the web tests sign in
# hundreds of times. They use the same code with cheap parameters (the hashing itself is tested
# with the real profile in the engine's tests).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY", CHEAP_HASHER.hash("timing-equalizer"))


@pytest.fixture(scope="session")
def password_hash():
    return CHEAP_HASHER.hash(PASSWORD)


@pytest.fixture(scope="session")
def shipped_definitions():
    return load_directory(DEFAULT_DIRECTORY).raise_for_errors()


@pytest.fixture
def engine(db_url, clock, shipped_definitions):
    """The engine on the shipped definitions (the pages are built for them)."""
    eng = Engine.create(db_url, shipped_definitions, clock=clock)
    yield eng
    eng.dispose()


def build_web_world(engine, password_hash) -> World:
    world = build_world(engine, ORGS, [(u, o, r) for u, o, r, _ in USERS])
    with engine.uow() as uow:
        uow.session.execute(update(User).values(password_hash=password_hash))
        for username, _org, _roles, full_name in USERS:
            uow.session.execute(
                update(User).where(User.username == username).values(full_name=full_name)
            )
        for code, name_en in REGION_NAMES_EN.items():
            uow.session.execute(
                update(Organization).where(Organization.code == code).values(name_en=name_en)
            )
        uow.commit()
    return world


@pytest.fixture
def web_world(engine, password_hash):
    return build_web_world(engine, password_hash)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """Where the compiled message catalogues go (once per test session)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def app(engine, web_world, cache_dir):
    settings = Settings(
        env="test",
        database_url=str(engine.bind.url),
        secret_key="test-secret-key-for-the-web-tests-0123456789",
        extra={"SOGLASIE_CACHE_DIR": str(cache_dir)},
    )
    return create_app(settings, engine=engine, config={"TESTING": True})


class Browser:
    """A Flask test client that signs in and posts forms with the page's CSRF token.

    It reads the pages in English (``lang``), as the assertions are written; the Russian
    default is tested in ``test_i18n``.
    """

    def __init__(self, client, lang: str | None = "en"):
        self.client = client
        if lang:
            with client.session_transaction() as session:
                session["lang"] = lang

    def csrf_from(self, path: str) -> str:
        page = self.client.get(path)
        found = _CSRF.search(page.get_data(as_text=True))
        assert found, f"no CSRF token on {path} (status {page.status_code})"
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD, **extra):
        token = self.csrf_from("/login")
        return self.client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, **extra},
        )

    def post(self, path: str, data: dict | None = None, *, form_page: str | None = None, **kw):
        token = self.csrf_from(form_page or "/inbox")
        return self.client.post(path, data={**(data or {}), "csrf_token": token}, **kw)

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def signed_in(app):
    """``signed_in("ini")`` returns a Browser signed in as that user."""

    def make(username: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return b

    return make
