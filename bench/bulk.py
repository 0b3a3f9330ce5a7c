"""Bulk loading for the benchmarks' datasets: rows gathered per table, then written in one
go (``COPY`` on PostgreSQL, ``executemany`` in one transaction on SQLite)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

from bench.databases import libpq_url


@dataclass
class Rows:
    """Rows per table, as column names and tuples of Python values, in insert order."""

    columns: dict[str, Sequence[str]] = field(default_factory=dict)
    data: dict[str, list[tuple]] = field(default_factory=dict)

    def table(self, name: str, columns: Sequence[str]) -> list[tuple]:
        self.columns[name] = columns
        return self.data.setdefault(name, [])


def _sqlite_value(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_sqlite(url: str, rows: Rows) -> None:
    conn = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        for table, data in rows.data.items():
            columns = rows.columns[table]
            sql = (
                f"INSERT INTO {table} ({', '.join(_quote(c) for c in columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            conn.executemany(sql, ([_sqlite_value(v) for v in row] for row in data))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


def _quote(column: str) -> str:
    return f'"{column}"' if column in ("key", "trigger") else column


def write_postgres(url: str, rows: Rows) -> None:
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(libpq_url(url)) as conn:
        for table, data in rows.data.items():
            columns = rows.columns[table]
            names = ", ".join(f'"{c}"' for c in columns)
            with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in data:
                    copy.write_row([Jsonb(v) if isinstance(v, dict | list) else v for v in row])
        for table in rows.data:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        conn.commit()
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
