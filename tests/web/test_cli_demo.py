"""``soglasie demo`` and ``soglasie serve``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from click.testing import CliRunner

from tests.web.conftest import Browser
from web.cli import main
from web.cli.demo import logins_text, prepare
from web.cli.serve import gunicorn_argv
from workflow.seed.dataset import DEMO_PASSWORD, DEMO_USERS


def test_demo_creates_and_seeds_the_database_once_then_reuses_it(tmp_path):
    first = prepare(tmp_path / "demo.db", "127.0.0.1", 5000)
    try:
        assert first.seeded
        browser = Browser(first.app.test_client())
        assert browser.login("ta.initiator", DEMO_PASSWORD).status_code == 303
        inbox = browser.get("/inbox").get_data(as_text=True)
        assert "Гульнара Сафина" in inbox
        assert browser.get("/public/regions/RU-TA").status_code == 200
    finally:
        first.engine.dispose()
    second = prepare(tmp_path / "demo.db", "127.0.0.1", 5000)
    try:
        assert not second.seeded  # the data people made in the demo stays
        assert Browser(second.app.test_client()).login("admin", DEMO_PASSWORD).status_code == 303
    finally:
        second.engine.dispose()


def test_the_demo_prints_every_demo_login_with_the_password():
    text = logins_text()
    assert DEMO_PASSWORD in text
    assert all(username in text for username, *_ in DEMO_USERS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_one_command_starts_the_app_and_the_worker(tmp_path, stop_signal):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOGLASIE_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "demo", "--port", str(port), "--db", "demo.db"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": os.getcwd()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):  # seeding takes a few seconds
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.5)
        with urllib.request.urlopen(base + "/public/regions/RU-TA", timeout=5) as response:
            assert "Татарстан" in response.read().decode()
    finally:
        process.send_signal(stop_signal)  # Ctrl+C, or a service manager's stop
        output, _ = process.communicate(timeout=60)
    assert (tmp_path / "demo.db").exists()
    assert f"running at {base}/" in output
    assert "ta.initiator" in output and DEMO_PASSWORD in output
    assert "Stopping" in output


def test_serve_refuses_the_demo_secret_in_production(monkeypatch):
    monkeypatch.setenv("SOGLASIE_ENV", "production")
    monkeypatch.setenv("SOGLASIE_BASE_URL", "https://soglasie.example")
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "SOGLASIE_SECRET_KEY" in result.output


def test_serve_runs_gunicorn_without_its_control_socket():
    argv = gunicorn_argv("0.0.0.0:8000", 4, 60, ("--graceful-timeout", "20"))
    assert argv[1:3] == ["-m", "gunicorn"]
    assert "--no-control-socket" in argv
    assert argv[-1] == "web.app:create_app()"
    assert argv[argv.index("--workers") + 1] == "4"
    assert "--graceful-timeout" in argv
