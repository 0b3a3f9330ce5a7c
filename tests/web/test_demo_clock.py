"""Time passing in the demo (issue 13): a simulated clock that the web app and the worker share,
moved by an administrator or started fast by ``soglasie demo --speed/--now``; demo mode only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from click.testing import CliRunner

from notifications.worker import Worker
from tests.web import scenario
from tests.web.conftest import Browser
from web.app import create_app
from web.cli import main
from web.cli.demo import prepare
from workflow.demo_clock import SimulatedClock, parse_start
from workflow.settings import DEMO_SECRET, Settings, UnsafeSettings, from_env

UTC = dt.UTC


@pytest.fixture
def simulated(engine, clock):
    """The engine's clock becomes the demo's, over the test's FixedClock as "real" time; read
    from the database at every call, as a second process would."""
    sim = SimulatedClock(engine.bind, real=clock, refresh=0)
    engine.clock = sim
    return sim


def test_without_a_row_the_simulated_clock_is_real_time(simulated, clock):
    assert simulated.now() == clock.now()


def test_time_runs_speed_times_faster_and_another_process_sees_the_same_time(
    engine, simulated, clock
):
    simulated.set(speed=60)
    start = simulated.now()
    clock.advance(minutes=1)
    assert simulated.now() - start == dt.timedelta(hours=1)
    other_process = SimulatedClock(engine.bind, real=clock, refresh=0)
    assert other_process.now() == simulated.now()


def test_the_clock_moves_forward_only_and_within_its_speeds(simulated, clock):
    simulated.advance(dt.timedelta(days=7))
    assert simulated.now() == clock.now() + dt.timedelta(days=7)
    with pytest.raises(ValueError, match="only moves forward"):
        simulated.set(clock.now())
    for speed in (0, -5, 1e9):
        with pytest.raises(ValueError, match="speed"):
            simulated.set(speed=speed)


@pytest.fixture
def demo_app(engine, web_world, cache_dir, simulated):
    settings = Settings(
        env="demo",
        env_named=True,
        database_url=str(engine.bind.url),
        secret_key=DEMO_SECRET,
        extra={"SOGLASIE_CACHE_DIR": str(cache_dir)},
    )
    return create_app(settings, engine=engine, config={"TESTING": True})


def test_an_administrator_moves_the_clock_and_the_reminder_and_the_escalation_arrive(
    engine, web_world, demo_app, simulated, clock
):
    scenario.create_regional(engine, web_world)  # a task due in 4 weeks: reminded, escalated
    worker = Worker(engine, demo_app.extensions["soglasie.settings"])  # the demo mailbox
    worker.run_once()  # the "new task" email; nothing else is due yet
    admin = Browser(demo_app.test_client())
    assert admin.login("admin").status_code == 303
    mailbox = admin.get("/admin/mailbox").get_data(as_text=True)
    assert _subjects(mailbox) == ["Новая задача: Инициатива зарегистрирована — " + TITLE]
    assert "The simulated clock shows 2 March 2026" in mailbox

    page = admin.get("/admin/clock")
    assert page.status_code == 200 and "Simulated clock" in page.get_data(as_text=True)
    for step in ("week", "week", "week", "day"):
        moved = admin.post("/admin/clock/advance", {"by": step}, form_page="/admin/clock")
        assert moved.status_code == 303
    assert simulated.now() == clock.now() + dt.timedelta(days=22)
    worker.run_once()  # the worker's next round, on the same clock
    worker.run_once()
    mailbox = admin.get("/admin/mailbox").get_data(as_text=True)
    assert _subjects(mailbox)[0].startswith("Напоминание: Инициатива зарегистрирована")
    assert "The simulated clock shows 24 March 2026" in mailbox

    for step in ("week", "day"):
        admin.post("/admin/clock/advance", {"by": step}, form_page="/admin/clock")
    worker.run_once()
    worker.run_once()
    subjects = _subjects(admin.get("/admin/mailbox").get_data(as_text=True))
    assert any(s.startswith("Срок истёк: Инициатива зарегистрирована") for s in subjects)


TITLE = "Соглашение о сотрудничестве с Хэйлунцзяном"


def _subjects(page: str) -> list[str]:
    return re.findall(r'<a href="/admin/mailbox/\d+">([^<]*)</a>', page)


def test_the_speed_is_set_from_the_page_and_nonsense_is_refused(demo_app, simulated, clock):
    admin = Browser(demo_app.test_client())
    admin.login("admin")
    assert (
        admin.post("/admin/clock/speed", {"speed": "3600"}, form_page="/admin/clock").status_code
        == 303
    )
    before = simulated.now()
    clock.advance(seconds=1)
    assert simulated.now() - before == dt.timedelta(hours=1)
    for bad in ("fast", "0", "-1", "1e12"):
        refused = admin.post("/admin/clock/speed", {"speed": bad}, form_page="/admin/clock")
        assert refused.status_code == 400
    assert (
        admin.post("/admin/clock/advance", {"by": "year"}, form_page="/admin/clock").status_code
        == 400
    )


def test_the_clock_settings_are_refused_outside_the_demo_and_production_needs_a_base_url():
    production = {"SOGLASIE_ENV": "production", "SOGLASIE_SECRET_KEY": "x" * 8}
    with pytest.raises(UnsafeSettings, match="SOGLASIE_BASE_URL is not set"):
        from_env({**production, "SOGLASIE_SECRET_KEY": "Zq8#vR2!mW5$kT9@pL3^nB7&"}).check_safe()
    for env in ("production", "test"):
        with pytest.raises(UnsafeSettings, match="SOGLASIE_DEMO_SPEED"):
            from_env(
                {
                    "SOGLASIE_ENV": env,
                    "SOGLASIE_BASE_URL": "https://soglasie.example",
                    "SOGLASIE_DEMO_SPEED": "60",
                }
            ).check_safe()
    assert from_env({"SOGLASIE_DEMO_SPEED": "60"}).check_safe().demo_speed == 60.0


def test_the_worker_refuses_to_start_in_production_without_a_base_url(monkeypatch):
    monkeypatch.setenv("SOGLASIE_ENV", "production")
    monkeypatch.setenv("SOGLASIE_SECRET_KEY", "Zq8#vR2!mW5$kT9@pL3^nB7&xY4*")
    result = CliRunner().invoke(main, ["worker", "--once"])
    assert result.exit_code == 1
    assert "SOGLASIE_BASE_URL is not set" in result.output


def test_now_is_a_date_or_a_moment_in_moscow_time():
    assert parse_start("2027-01-10") == dt.datetime(2027, 1, 10, 6, 0, tzinfo=UTC)
    assert parse_start("2027-01-10T14:30") == dt.datetime(2027, 1, 10, 11, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a date"):
        parse_start("next tuesday")


def test_the_demo_links_to_the_port_it_listens_on_and_starts_its_clock_where_asked(tmp_path):
    demo = prepare(tmp_path / "demo.db", "0.0.0.0", 54321, speed=60, now="2027-01-10")
    try:
        assert demo.settings.base_url == "http://127.0.0.1:54321"
        assert isinstance(demo.engine.clock, SimulatedClock)
        start = dt.datetime(2027, 1, 10, 6, 0, tzinfo=UTC)
        assert start <= demo.engine.clock.now() < start + dt.timedelta(hours=6)
        assert demo.engine.clock.state().speed == 60
    finally:
        demo.engine.dispose()


def test_the_demo_command_refuses_a_nonsense_start_before_touching_the_database(tmp_path):
    result = CliRunner().invoke(
        main, ["demo", "--port", "0", "--db", str(tmp_path / "d.db"), "--now", "someday"]
    )
    assert result.exit_code == 1 and "not a date" in result.output
    assert not (tmp_path / "d.db").exists()


def test_every_process_of_a_demo_starts_with_the_same_settings_without_turning_time_back(
    engine, clock
):
    from workflow import demo_clock

    settings = Settings(env="demo", demo_now="2027-01-10", demo_speed=60)
    first = demo_clock.install(engine, settings)
    assert first is not None and first.now() >= dt.datetime(2027, 1, 10, 6, 0, tzinfo=UTC)
    first.advance(dt.timedelta(days=3))
    second = demo_clock.install(engine, settings)  # a second process, started later
    assert second.now() >= dt.datetime(2027, 1, 13, 6, 0, tzinfo=UTC)
    assert demo_clock.install(engine, Settings(env="test")) is None
