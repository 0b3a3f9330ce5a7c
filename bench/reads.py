"""Benchmark 2: the read side at scale, through the Flask test client (full page render), with
the SQL part measured separately by an event listener on the engine.

Pages: the inbox of a user with 500 open tasks (p95 ≤ 50 ms), the region status page of a
region with 5,000 agreements (p95 ≤ 100 ms), the agreements list with filters as a federal
reviewer who sees everything (p95 ≤ 100 ms); ≤ 5 SQL statements each. Cost must not grow with
the database: inbox p95 at 100k agreements ÷ at 10k ≤ 1.5. On PostgreSQL the plans of every
page statement (EXPLAIN ANALYZE) go to ``bench/results/plans-<size>.txt``.
"""

from __future__ import annotations

import tempfile

from bench.core import Figure, Options, log
from bench.pages import SqlMeter, dataset, explain, make_app, results_dir, sign_in, time_page

NAME = "reads"
LIST_PATH = "/agreements?kind=regional_agreement&state=in_force&country=CN"
PAGES = (
    # label, user, path, target p95 ms
    ("inbox (500 open tasks)", "inbox", "/inbox?tab=mine", 50.0),
    ("region page (5k agreements)", "region", "/regions/RU-R01", 100.0),
    ("agreements list, filtered", "federal", LIST_PATH, 100.0),
)
MAX_STATEMENTS = 5


def measure(options: Options, backend: str, agreements: int, requests: int, plans: bool):
    data = dataset(options, backend, agreements)
    app, engine = make_app(data.url, tempfile.mkdtemp(prefix="soglasie-bench-cache-"))
    meter = SqlMeter()
    meter.install(engine.bind)
    timings = {}
    try:
        for label, user, path, _target in PAGES:
            client = sign_in(app, user)
            timings[label] = time_page(client, meter, path, requests)
            if plans and backend == "postgres":
                text = explain(data.url, client, meter, path)
                target = results_dir() / f"plans-{agreements}.txt"
                with target.open("a", encoding="utf-8") as f:
                    f.write(text + "\n\n")
    finally:
        engine.dispose()
    return timings


def run(options: Options) -> list[Figure]:
    figures: list[Figure] = []
    small, large = options.pick((10_000, 100_000), (1_000, 4_000))
    requests = options.pick(100, 15)
    for backend in options.backends:
        for f in results_dir().glob("plans-*.txt"):
            if backend == "postgres":
                f.unlink()
        big = measure(options, backend, large, requests, plans=True)
        base = measure(options, backend, small, requests, plans=False)
        for label, _user, _path, target in PAGES:
            timing = big[label]
            log(
                options,
                f"{backend} {label}: p95 {timing.p95:.1f} ms "
                f"(SQL {timing.sql_p95:.1f} ms, {timing.statements} statements)",
            )
            figures.append(
                Figure(
                    NAME,
                    backend,
                    f"{label} p95 @{large // 1000}k",
                    timing.p95,
                    "ms",
                    target=f"≤ {target:g} ms",
                    met=timing.p95 <= target,
                    runs=timing.page_ms,
                    note="full page through the test client",
                )
            )
            figures.append(
                Figure(
                    NAME,
                    backend,
                    f"  of which SQL, p95 @{large // 1000}k",
                    timing.sql_p95,
                    "ms",
                    runs=timing.sql_ms,
                )
            )
            figures.append(
                Figure(
                    NAME,
                    backend,
                    f"  SQL statements, {label}",
                    timing.statements,
                    "stmts",
                    target=f"≤ {MAX_STATEMENTS}",
                    met=timing.statements <= MAX_STATEMENTS,
                )
            )
        inbox = PAGES[0][0]
        figures.append(
            Figure(
                NAME,
                backend,
                f"inbox p95 @{small // 1000}k",
                base[inbox].p95,
                "ms",
                runs=base[inbox].page_ms,
            )
        )
        figures.append(
            Figure(
                NAME,
                backend,
                f"inbox p95 growth {small // 1000}k → {large // 1000}k",
                big[inbox].p95 / base[inbox].p95,
                "×",
                target="≤ 1.5",
                met=big[inbox].p95 / base[inbox].p95 <= 1.5,
            )
        )
    return figures
