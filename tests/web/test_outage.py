"""While the database is unreachable: 503 + ``Retry-After`` (API shape, friendly page), probes.

The outage is real on both backends. PostgreSQL: the app runs on a scratch database that is
dropped (``WITH (FORCE)``, which also terminates the app's pooled connections) from a maintenance
connection, and created again to come back. SQLite: the database's folder is moved away (and the
pool emptied, as a restart would), and moved back.
"""

from __future__ import annotations

import os
import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.support.databases import fresh_sqlite, postgres_admin_url, stamp_head
from tests.web.conftest import Browser, build_web_world
from web.app import create_app
from web.outage import is_outage
from workflow.engine import Engine
from workflow.persistence.db import make_engine
from workflow.persistence.schema import upgrade
from workflow.persistence.tables import metadata
from workflow.settings import Settings

SECRET = "test-secret-key-for-the-web-tests-0123456789"


def _psycopg(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class Scratch:
    """A database of its own, which the test can take away and bring back."""

    def __init__(self, backend: str, tmp_path):
        self.backend = backend
        if backend == "sqlite":
            self.folder = tmp_path / "data"
            self.away = tmp_path / "data-away"
            self.url = f"sqlite:///{self.folder / 'soglasie.db'}"
        else:
            admin = postgres_admin_url()
            if admin is None:
                pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
            self.admin = create_engine(_psycopg(admin), isolation_level="AUTOCOMMIT")
            self.name = f"{make_url(admin).database}_outage_{os.getpid()}"
            self.url = make_url(admin).set(database=self.name).render_as_string(hide_password=False)
        self.engine: Engine | None = None

    def create(self, *, revision: str | None = None) -> None:
        if self.backend == "sqlite":
            self.folder.mkdir(exist_ok=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        if revision is not None:
            upgrade(self.url, revision)
            return
        if self.backend == "sqlite":
            fresh_sqlite(self.folder / "soglasie.db")
        else:
            schema_engine = make_engine(self.url)
            metadata().create_all(schema_engine)
            schema_engine.dispose()
        stamp_head(self.url)

    def cut(self) -> None:
        if self.backend == "sqlite":
            self.folder.rename(self.away)
            self.engine.bind.dispose()  # new connections, as after a restart
        else:
            self._admin(f'DROP DATABASE "{self.name}" WITH (FORCE)')

    def restore(self) -> None:
        if self.backend == "sqlite":
            self.away.rename(self.folder)
        else:
            self.create()

    def drop(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
        if self.backend == "sqlite":
            shutil.rmtree(self.folder, ignore_errors=True)
            shutil.rmtree(self.away, ignore_errors=True)
        else:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.admin.dispose()

    def _admin(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))


@pytest.fixture(params=["sqlite", "postgres"])
def scratch(request, tmp_path):
    db = Scratch(request.param, tmp_path)
    yield db
    db.drop()


def _app(scratch: Scratch, definitions, clock, cache_dir, sync: bool = True, **extra):
    scratch.engine = Engine.create(scratch.url, definitions, clock=clock, sync=sync)
    settings = Settings(
        env="test",
        database_url=scratch.url,
        secret_key=SECRET,
        extra={"SOGLASIE_CACHE_DIR": str(cache_dir), **extra},
    )
    return create_app(settings, engine=scratch.engine, config={"TESTING": True})


@pytest.fixture
def outage(scratch, shipped_definitions, clock, cache_dir, password_hash):
    scratch.create()
    app = _app(scratch, shipped_definitions, clock, cache_dir)
    build_web_world(scratch.engine, password_hash)
    return scratch, app


def _assert_problem(response, method: str) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert set(body) == {"status", "code", "message", "errors"}
    assert body["status"] == 503
    assert body["code"] == "database_unavailable"
    assert body["errors"] == {}
    assert "Try again in a few seconds" in body["message"]
    if method == "GET":
        assert "nothing was changed" in body["message"]
    else:
        assert "read the case's version" in body["message"]


def test_an_unreachable_database_is_a_503_with_retry_after_and_ready_again_after(outage, caplog):
    scratch, app = outage
    browser = Browser(app.test_client())
    assert browser.login("ini").status_code == 303
    russian = Browser(app.test_client(), lang=None)  # the default language
    assert russian.login("legal").status_code == 303
    assert app.test_client().get("/readyz").status_code == 200

    scratch.cut()

    # The API: the session's user and a bearer token are both looked up in the database.
    _assert_problem(browser.client.get("/api/v1/agreements"), "GET")
    _assert_problem(browser.client.post("/api/v1/agreements", json={"title": "x"}), "POST")
    bearer = {"Authorization": "Bearer sgl_0123456789_not-a-token"}
    _assert_problem(app.test_client().get("/api/v1/agreements", headers=bearer), "GET")
    _assert_problem(app.test_client().post("/api/v1/agreements", headers=bearer, json={}), "POST")

    caplog.clear()
    page = browser.get("/inbox")  # signed in: the header would load her from the database
    html = page.get_data(as_text=True)
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert page.mimetype == "text/html"
    assert "The database is not reachable right now." in html
    assert 'href="/inbox"' in html  # try again
    assert "Traceback" not in html and "OperationalError" not in html
    warnings = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"

    ru = russian.get("/agreements")
    assert ru.status_code == 503
    assert "База данных сейчас недоступна." in ru.get_data(as_text=True)

    live = app.test_client().get("/livez")
    assert (live.status_code, live.get_json()) == (200, {"status": "alive"})
    for path in ("/readyz", "/healthz"):
        ready = app.test_client().get(path)
        assert ready.status_code == 503
        assert ready.headers["Retry-After"] == "5"
        body = ready.get_json()
        assert body["status"] == "not_ready"
        assert body["failed"] == ["database"]
        assert body["checks"]["database"] == "unreachable"
        assert "Set-Cookie" not in ready.headers

    scratch.restore()

    ready = app.test_client().get("/readyz")
    assert (ready.status_code, ready.get_json()["status"]) == (200, "ready")


def test_a_change_sent_during_an_outage_is_told_to_check_before_repeating(outage):
    scratch, app = outage
    browser = Browser(app.test_client())
    assert browser.login("ini").status_code == 303
    token = browser.csrf_from("/agreements/new")
    scratch.cut()
    response = browser.client.post("/agreements/new", data={"title": "x", "csrf_token": token})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "it may or may not have been recorded" in html
    assert "Traceback" not in html


def test_retry_after_comes_from_the_setting(
    scratch, shipped_definitions, clock, cache_dir, password_hash
):
    scratch.create()
    app = _app(scratch, shipped_definitions, clock, cache_dir, SOGLASIE_RETRY_AFTER="17")
    scratch.cut()
    bearer = {"Authorization": "Bearer sgl_0123456789_not-a-token"}
    response = app.test_client().get("/api/v1/agreements", headers=bearer)
    assert (response.status_code, response.headers["Retry-After"]) == (503, "17")
    assert app.test_client().get("/readyz").headers["Retry-After"] == "17"


def test_a_schema_behind_the_alembic_head_is_not_ready(
    scratch, shipped_definitions, clock, cache_dir
):
    scratch.create(revision="0001")
    # Storing the definitions needs today's tables, so this engine does not.
    app = _app(scratch, shipped_definitions, clock, cache_dir, sync=False)
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["failed"] == ["schema"]
    assert body["checks"] == {"database": "ok", "schema": "not_at_head"}
    assert body["revision"] == "0001"
    assert "not at the Alembic head" in body["message"]
    assert app.test_client().get("/livez").status_code == 200


def test_probes_need_no_sign_in_and_set_no_cookies(outage):
    _scratch, app = outage
    client = app.test_client()
    for path in ("/livez", "/readyz", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers
        assert response.mimetype == "application/json"


def _raised(action) -> BaseException:
    try:
        action()
    except Exception as error:  # the real exception SQLAlchemy raises
        return error
    raise AssertionError("expected an error")


def test_only_connection_failures_count_as_an_outage_sqlite(tmp_path):
    url = fresh_sqlite(tmp_path / "x.db")
    holder = create_engine(url)
    waiter = create_engine(url, connect_args={"timeout": 0})
    try:
        with holder.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            with waiter.connect() as other:
                locked = _raised(lambda: other.exec_driver_sql("BEGIN IMMEDIATE"))
            conn.exec_driver_sql("ROLLBACK")
        with holder.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with holder.connect() as conn:
            duplicate = _raised(lambda: conn.exec_driver_sql("INSERT INTO t VALUES (1)"))
    finally:
        holder.dispose()
        waiter.dispose()
    gone = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    unreachable = _raised(gone.connect)
    assert "locked" in str(locked) and not is_outage(locked)
    assert not is_outage(duplicate)
    assert is_outage(unreachable)


def test_only_connection_failures_count_as_an_outage_postgres():
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not configured (set SOGLASIE_TEST_POSTGRES_URL)")
    nobody = create_engine(_psycopg(make_url(admin).set(port=1).render_as_string(False)))
    refused = _raised(nobody.connect)
    server = create_engine(_psycopg(admin))
    try:
        with server.connect() as conn:
            conn.exec_driver_sql("SET statement_timeout = 1")
            cancelled = _raised(lambda: conn.exec_driver_sql("SELECT pg_sleep(1)"))
        with server.connect() as victim, server.connect() as killer:
            pid = victim.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
            killer.commit()
            terminated = _raised(lambda: victim.exec_driver_sql("SELECT 1"))
    finally:
        server.dispose()
    assert is_outage(refused)
    assert not is_outage(cancelled)
    assert is_outage(terminated)


def test_other_database_errors_stay_a_500(scratch, shipped_definitions, clock, cache_dir):
    scratch.create()
    app = _app(scratch, shipped_definitions, clock, cache_dir)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_duplicate")
    def _duplicate():
        with scratch.engine.bind.begin() as conn:  # the revision is the table's primary key
            conn.execute(
                text("INSERT INTO alembic_version SELECT version_num FROM alembic_version")
            )
        return "unreachable"

    response = app.test_client().get("/_duplicate")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
