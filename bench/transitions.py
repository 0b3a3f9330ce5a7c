"""Benchmark 1: transition throughput against the physical minimum of a transition.

Baseline: with the raw driver (``sqlite3`` in WAL with the engine's ``synchronous`` setting,
``FULL``; ``psycopg`` with default settings), one transaction of "UPDATE one row + INSERT one
row", per client process. Engine: a full ``Engine.fire`` on the shipped ``regional_agreement``,
cycling through a federal review (two approve votes, a return with remarks, a resubmission that
opens a new round): lock, permission, guards, tasks, SLA clocks, reminders, audit hash, outbox.
Both with 1 and 4 client processes (see ``bench.clients`` for why processes).

Target: engine ≥ 25 % of the raw baseline, on each backend, with 1 and 4 clients.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.engine import make_url

from bench.clients import throughput
from bench.core import Figure, Options, log, median_of
from bench.databases import libpq_url, scratch_database
from bench.world import REVIEW_CYCLE, actors, bench_clock, build_world, case_in_federal_review
from workflow.definitions.directory import load_verified
from workflow.engine import Engine
from workflow.persistence.db import SQLITE_SYNCHRONOUS

NAME = "transitions"
TARGET = 0.25
RAW_TABLES = (
    "CREATE TABLE bench_raw_cases (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)",
    "CREATE TABLE bench_raw_events (id {serial} PRIMARY KEY, case_id INTEGER NOT NULL, "
    "version INTEGER NOT NULL, body TEXT NOT NULL)",
)


def _sqlite_path(url: str) -> str:
    return make_url(url).database


def _create_raw_tables(backend: str, url: str, clients: int) -> None:
    if backend == "sqlite":
        conn = sqlite3.connect(_sqlite_path(url))
        for ddl in RAW_TABLES:
            conn.execute(ddl.format(serial="INTEGER"))
        conn.executemany(
            "INSERT INTO bench_raw_cases VALUES (?, 0)", [(i,) for i in range(clients)]
        )
        conn.commit()
        conn.close()
        return
    import psycopg

    with psycopg.connect(libpq_url(url)) as conn:
        for ddl in RAW_TABLES:
            conn.execute(ddl.format(serial="BIGSERIAL"))
        for i in range(clients):
            conn.execute("INSERT INTO bench_raw_cases VALUES (%s, 0)", (i,))


def _raw_client(index: int, args):
    backend, url = args
    if backend == "sqlite":
        conn = sqlite3.connect(_sqlite_path(url), isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        conn.execute("PRAGMA busy_timeout=30000")

        def step() -> int:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE bench_raw_cases SET version = version + 1 WHERE id = ?", (index,))
            conn.execute(
                "INSERT INTO bench_raw_events (case_id, version, body) VALUES (?, ?, ?)",
                (index, 0, "approve"),
            )
            conn.execute("COMMIT")
            return 1

        step.close = conn.close
        return step
    import psycopg

    conn = psycopg.connect(libpq_url(url))

    def step() -> int:
        with conn.cursor() as cur:
            cur.execute("UPDATE bench_raw_cases SET version = version + 1 WHERE id = %s", (index,))
            cur.execute(
                "INSERT INTO bench_raw_events (case_id, version, body) VALUES (%s, %s, %s)",
                (index, 0, "approve"),
            )
        conn.commit()
        return 1

    step.close = conn.close
    return step


def _engine_client(index: int, args):
    url, case_ids, users = args
    engine = Engine.create(url, load_verified(None), clock=bench_clock())
    people = {name: engine.actor(user_id) for name, user_id in users.items()}
    case_id = case_ids[index]

    def step() -> int:
        # A whole cycle per step, so every run leaves the case where the next one expects it.
        for trigger, who, comment in REVIEW_CYCLE:
            engine.fire(case_id, trigger, people[who], comment=comment)
        return len(REVIEW_CYCLE)

    step.close = engine.dispose
    return step


def prepare_cases(url: str, count: int) -> tuple[list[int], dict[str, int]]:
    engine = Engine.create(url, load_verified(None), clock=bench_clock())
    try:
        world = build_world(engine)
        people = actors(engine, world)
        return [case_in_federal_review(engine, people) for _ in range(count)], world.users
    finally:
        engine.dispose()


def run(options: Options) -> list[Figure]:
    figures: list[Figure] = []
    repetitions = options.pick(5, 3)
    duration = options.pick(3.0, 0.7)
    client_counts = (1, 4)
    for backend in options.backends:
        with scratch_database(backend, options.postgres_url, "transitions") as url:
            _create_raw_tables(backend, url, max(client_counts))
            case_ids, users = prepare_cases(url, max(client_counts))
            for clients in client_counts:
                raw, raw_runs = median_of(
                    repetitions,
                    lambda c=clients, a=(backend, url): throughput(_raw_client, a, c, duration),
                )
                fired, fire_runs = median_of(
                    repetitions,
                    lambda c=clients, a=(url, case_ids, users): throughput(
                        _engine_client, a, c, duration
                    ),
                )
                log(
                    options, f"{backend} {clients} client(s): raw {raw:.0f}/s, engine {fired:.0f}/s"
                )
                unit = "tx/s"
                figures.append(
                    Figure(
                        NAME,
                        backend,
                        f"raw UPDATE+INSERT, {clients} client(s)",
                        raw,
                        unit,
                        runs=raw_runs,
                        note="raw driver, client processes",
                    )
                )
                ratio = fired / raw if raw else 0.0
                figures.append(
                    Figure(
                        NAME,
                        backend,
                        f"Engine.fire, {clients} client(s)",
                        fired,
                        unit,
                        baseline=raw,
                        baseline_name="raw",
                        target=f"≥ {TARGET:.0%} of raw",
                        met=ratio >= TARGET,
                        runs=fire_runs,
                        note="regional_agreement review cycle: vote, vote, return, resubmit",
                    )
                )
    return figures
