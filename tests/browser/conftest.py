"""Browser tests: the app served by a real WSGI server thread on a free loopback port, driven by
Debian's Chromium through Playwright. SQLite only (the browser adds nothing backend-specific).

``live`` is a fresh server per test, on the shipped definitions, with a small world of people
(every password ``PASSWORD``) and a ``FixedClock`` the test can move.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.support.databases import fresh_sqlite
from tests.support.world import World
from tests.web.conftest import CHEAP_HASHER, PASSWORD, build_web_world
from web.app import create_app
from workflow.clock import FixedClock
from workflow.definitions.directory import DEFAULT_DIRECTORY, load_directory
from workflow.engine import Engine
from workflow.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class Live:
    url: str
    engine: Engine
    world: World
    clock: FixedClock
    app: object = None
    settings: Settings | None = None

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session")
def shipped_definitions():
    return load_directory(DEFAULT_DIRECTORY).raise_for_errors()


@pytest.fixture(scope="session")
def browser_password_hash():
    return CHEAP_HASHER.hash(PASSWORD)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    from workflow import passwords

    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY", CHEAP_HASHER.hash("timing-equalizer"))


@pytest.fixture
def live(tmp_path, shipped_definitions, browser_password_hash):
    url = fresh_sqlite(tmp_path / "browser.db")
    clock = FixedClock(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    engine = Engine.create(url, shipped_definitions, clock=clock)
    world = build_web_world(engine, browser_password_hash)
    settings = Settings(
        env="test",
        database_url=url,
        secret_key="browser-test-secret-key-0123456789abcdef",
        extra={"SOGLASIE_CACHE_DIR": str(tmp_path / "cache")},
    )
    app = create_app(settings, engine=engine)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", engine, world, clock, app, settings)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium):
    """``new_page(width, height)``: a page in a fresh context (own cookies), closed after."""
    contexts = []

    def make(width: int = 1366, height: int = 900):
        context = chromium.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page, live: Live, username: str) -> None:
    page.goto(live.at("/login"))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
