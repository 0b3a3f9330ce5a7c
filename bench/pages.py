"""Scale datasets shared by the read, HTTP and memory benchmarks, and timing pages through the
Flask test client with every SQL statement counted and timed.

A dataset is generated once per run and per (backend, size) and dropped when the run ends.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import event

from bench.core import Options, log, percentile
from bench.databases import scratch_database
from bench.generate import NOW, Plan, generate
from workflow.clock import FixedClock
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.settings import Settings

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SECRET = "bench-secret-key-0123456789abcdef0123456789"
_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@dataclass
class Dataset:
    backend: str
    url: str
    agreements: int
    summary: dict


def dataset(options: Options, backend: str, agreements: int) -> Dataset:
    key = (backend, agreements)
    if key not in options.datasets:
        url = options.stack.enter_context(
            scratch_database(backend, options.postgres_url, f"scale{agreements}", schema=True)
        )
        t0 = time.perf_counter()
        summary = generate(url, Plan(agreements=agreements), verbose=False)
        log(
            options,
            f"{backend}: generated {agreements:,} agreements "
            f"({sum(summary['counts'].values()):,} rows) in {time.perf_counter() - t0:.0f} s",
        )
        options.datasets[key] = Dataset(backend, url, agreements, summary)
    return options.datasets[key]


@dataclass
class SqlMeter:
    """Counts and times every statement the engine's connections execute."""

    statements: int = 0
    seconds: float = 0.0
    captured: list[tuple[str, object]] = field(default_factory=list)
    capture: bool = False
    _started: dict = field(default_factory=dict)

    def install(self, sa_engine) -> None:
        @event.listens_for(sa_engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            self._started[id(cursor)] = time.perf_counter()
            if self.capture:
                self.captured.append((statement, parameters))

        @event.listens_for(sa_engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            started = self._started.pop(id(cursor), None)
            # Transaction control (SQLite's explicit BEGIN) is not a query of the page.
            if not statement.lstrip().upper().startswith(_CONTROL):
                self.statements += 1
            if started is not None:
                self.seconds += time.perf_counter() - started

    def reset(self) -> None:
        self.statements, self.seconds = 0, 0.0
        self.captured = []


def make_app(url: str, cache_dir: str):
    from web.app import create_app

    engine = Engine.create(url, load_verified(None), clock=FixedClock(NOW))
    settings = Settings(
        env="test", database_url=url, secret_key=SECRET, extra={"SOGLASIE_CACHE_DIR": cache_dir}
    )
    app = create_app(settings, engine=engine, config={"TESTING": True})
    return app, engine


def sign_in(app, username: str, password: str = "bench-password"):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = _CSRF.search(page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    if response.status_code not in (302, 303):
        raise RuntimeError(f"cannot sign in as {username}: HTTP {response.status_code}")
    return client


@dataclass
class PageTiming:
    page_ms: list[float]
    sql_ms: list[float]
    statements: int  # the most any request took

    @property
    def p95(self) -> float:
        return percentile(self.page_ms, 95)

    @property
    def sql_p95(self) -> float:
        return percentile(self.sql_ms, 95)


def time_page(client, meter: SqlMeter, path: str, requests: int, warmup: int = 3) -> PageTiming:
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
    page_ms, sql_ms, most = [], [], 0
    for _ in range(requests):
        meter.reset()
        start = time.perf_counter()
        response = client.get(path)
        response.get_data()
        page_ms.append((time.perf_counter() - start) * 1000)
        sql_ms.append(meter.seconds * 1000)
        most = max(most, meter.statements)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
    return PageTiming(page_ms, sql_ms, most)


def explain(url: str, client, meter: SqlMeter, path: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement one request of ``path`` runs
    (PostgreSQL)."""
    import psycopg

    from bench.databases import libpq_url

    meter.reset()
    meter.capture = True
    try:
        client.get(path)
    finally:
        meter.capture = False
    out = [f"### GET {path}"]
    with psycopg.connect(libpq_url(url)) as conn:
        for statement, parameters in meter.captured:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            plan = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters).fetchall()
            out.append(statement.strip())
            out.extend("    " + row[0] for row in plan)
            out.append("")
        conn.rollback()
    return "\n".join(out)


def results_dir() -> Path:
    path = Path(__file__).resolve().parent / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path
