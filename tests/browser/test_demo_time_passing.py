"""A person trying the demo watches time pass (issue 13): as the administrator she moves the
simulated clock three weeks and a day, the worker's next round mails the reminder, the demo
mailbox shows it with the simulated time, and the link at its foot opens the reader's email
choices. Screenshots: /tmp/mail13-*.png."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from notifications.worker import Worker
from tests.browser.conftest import Live, sign_in
from tests.support.databases import fresh_sqlite
from tests.web import scenario
from tests.web.conftest import build_web_world
from web.app import create_app
from workflow.clock import FixedClock
from workflow.demo_clock import SimulatedClock
from workflow.engine import Engine
from workflow.persistence.models import User
from workflow.settings import DEMO_SECRET, Settings

SHOTS = "/tmp/mail13-{}.png"


@pytest.fixture
def demo(tmp_path, shipped_definitions, browser_password_hash):
    """The demo's arrangement: demo mode, the simulated clock (over a FixedClock as "real" time,
    so nothing depends on how fast the machine is), email to the demo mailbox."""
    url = fresh_sqlite(tmp_path / "demo.db")
    real = FixedClock(dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC))
    engine = Engine.create(url, shipped_definitions, clock=real)
    world = build_web_world(engine, browser_password_hash)
    engine.clock = SimulatedClock(engine.bind, real=real, refresh=0)
    # As `soglasie demo` does: the socket first, so the links in email name its real port.
    server = make_server("127.0.0.1", 0, lambda environ, start_response: [], threaded=True)
    settings = Settings(
        base_url=f"http://127.0.0.1:{server.server_port}",
        env="demo",
        env_named=True,
        database_url=url,
        secret_key=DEMO_SECRET,
        extra={"SOGLASIE_CACHE_DIR": str(tmp_path / "cache")},
    )
    server.app = create_app(settings, engine=engine)
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", engine, world, real), settings
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine.dispose()


def test_the_administrator_moves_time_and_watches_the_reminder_arrive(demo, new_page):
    live, settings = demo
    scenario.create_regional(live.engine, live.world)  # due in four weeks: a reminder at three
    worker = Worker(live.engine, settings)
    worker.run_once()
    page = new_page()
    sign_in(page, live, "admin")
    page.goto(live.at("/admin/mailbox"))
    assert "2 марта 2026" in page.locator("#mailbox-clock").inner_text()
    assert page.locator("td a", has_text="Напоминание").count() == 0
    page.screenshot(path=SHOTS.format("mailbox-before"), full_page=True)

    page.click("nav.tabs >> text=Симулированные часы")
    for label in ("+ 1 неделя", "+ 1 неделя", "+ 1 неделя", "+ 1 день"):
        page.click(f"button:has-text('{label}')")
        page.wait_for_selector(".alert-success")
    assert "24 марта 2026" in page.locator("#clock-now").inner_text()
    page.screenshot(path=SHOTS.format("clock"), full_page=True)

    worker.run_once()  # the demo's worker thread, at its next round
    worker.run_once()
    page.click("text=Демо-почта >> nth=-1")
    reminder = page.locator("td a", has_text="Напоминание: Инициатива зарегистрирована")
    assert reminder.count() == 1
    assert "24 марта 2026" in page.locator("#mailbox-clock").inner_text()
    page.screenshot(path=SHOTS.format("mailbox-after"), full_page=True)

    reminder.click()
    text = page.locator("pre.document").inner_text()
    assert "List-Unsubscribe-Post" in page.content()
    link = re.search(r"https?://\S+/unsubscribe/\S+", text).group(0)
    assert link.startswith(live.url + "/")  # the address the demo is served on
    page.screenshot(path=SHOTS.format("reminder"), full_page=True)

    phone = new_page(390, 844)  # the reader, from her phone, not signed in
    phone.goto(link)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.check("input[value=digest]")
    phone.click("button:has-text('Сохранить')")
    phone.wait_for_selector(".alert-success")
    assert "одну сводку в день" in phone.locator(".alert-success").inner_text()
    phone.screenshot(path=SHOTS.format("preferences"), full_page=True)
    with live.engine.uow(write=False) as uow:
        mode = uow.session.scalar(select(User.notify_mode).where(User.username == "ini"))
    assert mode == "digest"
