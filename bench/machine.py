"""What the benchmarks ran on: cores, memory, load, Python, SQLite and PostgreSQL versions."""

from __future__ import annotations

import os
import platform
import sqlite3


def describe(postgres_url: str | None) -> dict:
    about = {
        "nproc": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": None,
    }
    if postgres_url:
        try:
            import psycopg

            from bench.databases import libpq_url

            with psycopg.connect(libpq_url(postgres_url), connect_timeout=5) as conn:
                about["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        except Exception as exc:
            about["postgres"] = f"unreachable: {exc}"
    return about


def summary(about: dict) -> str:
    pg = f", PostgreSQL {about['postgres']}" if about.get("postgres") else ""
    load = " ".join(str(x) for x in about["load_average"])
    return (
        f"{about['nproc']} cores, {about['memory_gib']} GiB, load {load}, "
        f"Python {about['python']}, SQLite {about['sqlite']}{pg}"
    )


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return None
    return None
