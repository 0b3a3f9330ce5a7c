"""Where the time goes: a benchmark's workload under ``cProfile``, its CPU time split by layer.

    python -m bench.profile fire  [--db sqlite|postgres] [--seconds 10]
    python -m bench.profile pages [--db sqlite|postgres] [--seconds 10] [--agreements 4000]

``fire`` runs the transition benchmark's review cycle (vote, vote, return, resubmit) through
``Engine.fire`` on one case; ``pages`` requests the HTTP benchmark's pages in its proportions (3
inbox, 4 agreement, 2 region pages) through the Flask test client on a generated dataset. Both
print the share of the time per layer (the database driver, SQLAlchemy, Jinja2, Babel, Flask
and its extensions, the engine, the pages, the rest), then the functions with the most time of
their own and our functions with the most time in all. Times are wall clock, so waiting for
PostgreSQL's answers shows as the driver's ``wait``.

``cProfile`` charges a fixed cost to every Python call, so it overstates call-heavy Python
(templates, SQLAlchemy) against time spent in C (the driver, the database): read the layers as
"where to look", and the benchmark's own figures for how fast. ``--db postgres`` takes the
server from ``SOGLASIE_TEST_POSTGRES_URL``; the scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bench.databases import POSTGRES_ENV, scratch_database

# (layer, test on "filename:function") in order: the first that matches wins.
LAYERS: list[tuple[str, Callable[[str], bool]]] = [
    ("database driver", lambda key: "sqlite3" in key or "psycopg" in key),
    ("SQLAlchemy", lambda key: "/sqlalchemy/" in key),
    ("Jinja2 templates", lambda key: "/jinja2/" in key or "/markupsafe/" in key or ".html:" in key),
    ("Babel (translations, dates)", lambda key: "/babel/" in key or "/flask_babel/" in key),
    ("transitions (state machine)", lambda key: "/transitions/" in key),
    (
        "Flask, Werkzeug, extensions",
        lambda key: any(
            f"/{name}/" in key for name in ("flask", "werkzeug", "flask_login", "itsdangerous")
        ),
    ),
    ("engine (workflow/)", lambda key: "/workflow/" in key),
    ("pages (web/)", lambda key: "/web/" in key),
    ("notifications/", lambda key: "/notifications/" in key),
]
OTHER = "Python stdlib and the rest"
CHECKOUT = str(Path(__file__).resolve().parents[1])


def layer_of(filename: str, function: str) -> str:
    key = f"{filename}:{function}"
    for name, matches in LAYERS:
        if matches(key):
            return name
    return OTHER


def _label(filename: str, line: int, function: str) -> str:
    """``function (path:line)`` with the path from the package or from this checkout."""
    for marker in ("site-packages/", f"{CHECKOUT}/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{function} ({filename}:{line})" if filename != "~" else function


def report(profile: cProfile.Profile, units: int, unit: str, top: int = 15) -> str:
    stats = pstats.Stats(profile).stats  # (file, line, fn) -> (cc, nc, tottime, cumtime, callers)
    total = sum(entry[2] for entry in stats.values()) or 1e-9
    by_layer: Counter[str] = Counter()
    for (filename, _line, function), (_cc, _nc, own, _cum, _callers) in stats.items():
        by_layer[layer_of(filename, function)] += own
    lines = [
        f"{units:,} {unit}, {total / units * 1000:.2f} ms each under the profiler "
        "(wall clock: waits on the database count; cProfile adds a cost per call)",
        "",
        "share  layer",
    ]
    lines += [f"{share / total:5.1%}  {name}" for name, share in by_layer.most_common()]
    lines += ["", f"most time of their own (ms per {unit.rstrip('s')}):"]
    own_time = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    lines += [f"{entry[2] / units * 1000:7.3f}  {_label(*key)}" for key, entry in own_time]
    ours = [
        (key, entry)
        for key, entry in stats.items()
        if any(f"/{package}/" in key[0] for package in ("workflow", "web", "notifications"))
    ]
    lines += ["", f"our functions, time in all (ms per {unit.rstrip('s')}):"]
    ours.sort(key=lambda item: item[1][3], reverse=True)
    lines += [f"{entry[3] / units * 1000:7.3f}  {_label(*key)}" for key, entry in ours[:top]]
    return "\n".join(lines)


def _run_for(seconds: float, step: Callable[[], int]) -> tuple[cProfile.Profile, int]:
    for _ in range(3):
        step()  # warm up: statements compiled, templates loaded, caches filled
    profile = cProfile.Profile()
    done = 0
    deadline = time.perf_counter() + seconds
    profile.enable()
    while time.perf_counter() < deadline:
        done += step()
    profile.disable()
    return profile, done


def profile_fire(url: str, seconds: float) -> str:
    from bench.transitions import prepare_cases
    from bench.world import REVIEW_CYCLE, bench_clock
    from workflow.definitions.directory import load_verified
    from workflow.engine import Engine

    case_ids, users = prepare_cases(url, 1)
    engine = Engine.create(url, load_verified(None), clock=bench_clock())
    people = {name: engine.actor(user_id) for name, user_id in users.items()}

    def cycle() -> int:
        for trigger, who, comment in REVIEW_CYCLE:
            engine.fire(case_ids[0], trigger, people[who], comment=comment)
        return len(REVIEW_CYCLE)

    try:
        profile, fired = _run_for(seconds, cycle)
    finally:
        engine.dispose()
    return report(profile, fired, "fires")


def profile_pages(url: str, seconds: float, agreements: int) -> str:
    from bench.generate import Plan, generate
    from bench.pages import make_app, sign_in

    generate(url, Plan(agreements=agreements), verbose=False)
    app, engine = make_app(url, tempfile.mkdtemp(prefix="soglasie-bench-profile-"))
    clients = {name: sign_in(app, name) for name in ("inbox", "region", "federal")}
    mix = [("inbox", "/inbox?tab=mine")] * 3 + [("region", "/regions/RU-R01")] * 2
    mix += [("federal", f"/agreements/{1 + i * (agreements // 4)}") for i in range(4)]

    def requests() -> int:
        for who, path in mix:
            response = clients[who].get(path)
            response.get_data()
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
        return len(mix)

    try:
        profile, done = _run_for(seconds, requests)
    finally:
        engine.dispose()
    return report(profile, done, "requests")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("workload", choices=("fire", "pages"))
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--agreements", type=int, default=4_000, help="pages: dataset size")
    args = parser.parse_args(argv)
    admin_url = os.environ.get(POSTGRES_ENV)
    if args.db == "postgres" and not admin_url:
        parser.error(f"--db postgres needs {POSTGRES_ENV}")
    with scratch_database(args.db, admin_url, f"profile_{args.workload}") as url:
        if args.workload == "fire":
            print(profile_fire(url, args.seconds))
        else:
            print(profile_pages(url, args.seconds, args.agreements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
