"""``python -m bench [--quick] [--only NAME ...] [--json PATH]``: run the benchmarks, print the
table, write the JSON (default ``bench/results/bench-<timestamp>.json``).

Every benchmark runs on SQLite and, when ``SOGLASIE_TEST_POSTGRES_URL`` is set, on PostgreSQL
(in scratch databases created next to the one it names and dropped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

from bench import BENCHMARKS, machine
from bench.core import Figure, Options, table
from bench.databases import POSTGRES_ENV

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs (< 2 min)")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    args = parser.parse_args(argv)

    postgres = None if args.sqlite_only else (os.environ.get(POSTGRES_ENV) or None)
    options = Options(
        quick=args.quick,
        postgres_url=postgres,
        backends=("sqlite", "postgres") if postgres else ("sqlite",),
    )
    names = args.only or list(BENCHMARKS)
    about = machine.describe(postgres)
    print(f"soglasie benchmarks ({'quick' if args.quick else 'full'}): {', '.join(names)}")
    print(f"machine: {machine.summary(about)}")
    if not postgres:
        print(f"PostgreSQL skipped (set {POSTGRES_ENV} to include it)")
    figures: list[Figure] = []
    failures: dict[str, str] = {}
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        options.stack = stack
        for name in names:
            print(f"\n== {name}", flush=True)
            t0 = time.perf_counter()
            try:
                figures.extend(BENCHMARKS[name].run(options))
            except Exception as exc:  # report and go on: one broken benchmark hides nothing else
                import traceback

                traceback.print_exc()
                failures[name] = f"{type(exc).__name__}: {exc}"
            print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    elapsed = time.perf_counter() - started
    print()
    print(table(figures))
    for name, error in failures.items():
        print(f"FAILED {name}: {error}")
    missed = [f for f in figures if f.met is False]
    print(
        f"\n{sum(1 for f in figures if f.met)} targets met, {len(missed)} missed, "
        f"{len(failures)} benchmark(s) failed; {elapsed:.0f} s"
    )
    path = args.json or RESULTS / f"bench-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "mode": "quick" if args.quick else "full",
                "machine": about,
                "python": platform.python_version(),
                "elapsed_seconds": round(elapsed, 1),
                "figures": [f.as_dict() for f in figures],
                "failures": failures,
            },
            indent=2,
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    print(f"JSON: {path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
