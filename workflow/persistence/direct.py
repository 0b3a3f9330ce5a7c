"""Hot-path statements run straight on the driver's cursor of the session's own connection.

``Session.execute`` spends 50–100 µs of Python per statement (execution context, parameter
construction, result metadata) on top of the driver's ~20 µs; a transition issues a dozen
statements, so that overhead was most of its CPU (bench: transitions). A ``Direct`` wraps a
Core statement built once and compiles it once per dialect (and per set of INSERT columns, per
length of each expanding IN list); ``run`` / ``run_many`` then only convert the parameters with
the columns' own type processors (UTC timestamps, JSON, SQLite dates and booleans) and call the
cursor. Rows come back converted by the columns' result processors, so values are exactly what
``Session.execute`` would return.

Contract and limits:

- it runs in the session's current transaction (``session.connection()``), so it commits or
  rolls back with everything else; the session must not hold unflushed ORM changes that the
  statement should see (the hot path uses Core only, and sessions do not autoflush);
- an INSERT gets no column defaults: pass every NOT NULL column (``_compile`` refuses an INSERT
  that would leave a column with a Python-side default unset);
- driver errors are raised as SQLAlchemy's exception classes (``IntegrityError``, …), as
  ``Session.execute`` would; SQLAlchemy's statement events (``before_cursor_execute``) do not
  see these statements: count them at the driver (``sqlite3`` trace callback, PostgreSQL's
  statement log) instead.
"""

from __future__ import annotations

import contextlib
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, event, exc
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

Processor = Callable[[Any], Any]


class _Form:
    """One compiled form of a statement for one dialect."""

    __slots__ = ("expanding", "fixed", "positions", "processors", "row", "row_processors", "sql")

    def __init__(self, statement, dialect, keys: tuple[str, ...] | None, lengths: dict):
        kwargs: dict[str, Any] = {}
        if keys is not None:
            kwargs["column_keys"] = list(keys)
            if not statement._returning:
                # No implicit "RETURNING id": nobody reads the new primary key here.
                kwargs["for_executemany"] = True
            _check_defaults(statement, keys)
        compiled = statement.compile(dialect=dialect, **kwargs)
        binds = {name: bind for name, bind in compiled.binds.items() if not name.startswith("%(")}
        self.expanding = tuple(sorted(name for name, bind in binds.items() if bind.expanding))
        fixed = {
            name: bind.value
            for name, bind in binds.items()
            if not bind.required and not bind.expanding and bind.callable is None
        }
        if self.expanding and lengths:
            # Let SQLAlchemy render ``IN (…)`` for these lengths, once.
            sample = {name: [None] * lengths[name] for name in self.expanding}
            state = compiled.construct_expanded_state(
                {**{n: None for n, b in binds.items() if b.required}, **fixed, **sample}
            )
            self.sql = state.statement
            positions = state.positiontup
        else:
            self.sql = compiled.string
            positions = compiled.positiontup
        self.positions = tuple(positions) if positions is not None else None
        self.fixed = fixed
        self.processors: dict[str, Processor] = {}
        for name, bind in binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.processors[name] = processor
        columns = list(statement.exported_columns) if _returns_rows(statement) else []
        self.row = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None
        self.row_processors = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )

    def arguments(self, params: Mapping[str, Any]) -> Any:
        values = {**self.fixed, **params}
        for name in self.expanding:
            items = values.pop(name)
            processor = self.processors.get(name)
            for index, item in enumerate(items, start=1):
                values[f"{name}_{index}"] = processor(item) if processor else item
        for name, processor in self.processors.items():
            if name in values and name not in self.expanding:
                values[name] = processor(values[name])
        if self.positions is not None:
            return tuple(values[name] for name in self.positions)
        return values

    def rows(self, raw: Iterable[Sequence[Any]]) -> list[Any]:
        if self.row is None:
            return []
        processors = self.row_processors
        if not any(processors):
            return [self.row._make(r) for r in raw]
        return [
            self.row._make(p(v) if p else v for p, v in zip(processors, r, strict=True))
            for r in raw
        ]


def _returns_rows(statement) -> bool:
    return statement.is_select or bool(getattr(statement, "_returning", ()))


def _check_defaults(statement: Insert, keys: tuple[str, ...]) -> None:
    missing = [
        column.key
        for column in statement.table.columns
        if column.key not in keys and column.default is not None
    ]
    if missing:
        raise ValueError(
            f"INSERT INTO {statement.table.name} without {', '.join(missing)}: a direct "
            "statement applies no column defaults, pass them explicitly"
        )


class Result:
    """What a direct statement returned: converted rows (named tuples) and the row count."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int):
        self.rows = rows
        self.rowcount = rowcount

    def first(self):
        return self.rows[0] if self.rows else None

    def scalars(self) -> list[Any]:
        return [row[0] for row in self.rows]


class Direct:
    """A Core statement built once, compiled lazily per dialect; see the module docstring."""

    __slots__ = ("_expanding", "_forms", "_insert", "statement")

    def __init__(self, statement):
        self.statement = statement
        self._forms: dict[tuple, _Form] = {}
        self._expanding: dict[tuple, tuple[str, ...]] = {}
        # A plain INSERT is compiled for the columns it is given; INSERT … SELECT as it is.
        self._insert = isinstance(statement, Insert) and statement.select is None

    def form(self, dialect, params: Mapping[str, Any]) -> _Form:
        keys = tuple(params) if self._insert else None
        base = (dialect.name, keys)
        names = self._expanding.get(base)
        if names is None:  # first use: learn which parameters are expanding IN lists
            names = self._expanding[base] = _Form(self.statement, dialect, keys, {}).expanding
        lengths = {name: len(params[name]) for name in names}
        key = (base, tuple(lengths.values()))
        form = self._forms.get(key)
        if form is None:
            form = self._forms[key] = _Form(self.statement, dialect, keys, lengths)
        return form


def _raise(dialect, sql: str, params, error: Exception):
    raise exc.DBAPIError.instance(sql, params, error, dialect.loaded_dbapi.Error) from error


# --- deferred writes: PostgreSQL sends them with the next statement, in one round trip ---------

# Key in the DBAPI connection's info: [(sql, arguments, Deferred, Prefetched or None)].
_PENDING = "soglasie.direct.pending"
_INSTALLED: weakref.WeakSet[Engine] = weakref.WeakSet()
_BEGIN = ("BEGIN", None, None)


def install(engine: Engine) -> None:
    """Let ``defer`` hold writes back on this (PostgreSQL) engine.

    Held-back writes must reach the server before anything else runs on the connection, so
    every other statement (``before_cursor_execute``) and the commit send them first, in one
    pipeline (psycopg's pipeline mode: many statements, one round trip); a rollback or a
    connection going back to the pool drops them (they never ran).
    """
    if engine.dialect.name != "postgresql" or engine in _INSTALLED:
        return
    event.listen(engine, "connect", _driver_autocommit)
    event.listen(engine, "begin", _defer_begin)
    # retval=True keeps the function itself in the dispatch (``_observers`` skips it).
    event.listen(engine, "before_cursor_execute", _flush_before_statement, retval=True)
    event.listen(engine, "commit", _flush_and_commit)
    event.listen(engine, "rollback", _discard)
    event.listen(engine, "checkin", _discard_at_checkin)
    _INSTALLED.add(engine)


def _driver_autocommit(dbapi_connection, _record):
    # psycopg opens a transaction itself with a BEGIN that, in pipeline mode, it sends and
    # waits for on its own: one round trip per transaction before the first real statement.
    # With the driver in autocommit, SQLAlchemy's "begin" (below) sends the BEGIN instead,
    # as a held-back write that rides with the transaction's first statement. COMMIT and
    # ROLLBACK are unaffected: psycopg sends them whenever the server is in a transaction.
    dbapi_connection.autocommit = True


def _defer_begin(connection):
    dbapi = connection.connection.dbapi_connection
    if dbapi.autocommit:  # else (isolation level changed on this connection) psycopg begins
        connection.info.setdefault(_PENDING, []).append(_BEGIN)


def _flush_before_statement(connection, _cursor, statement, parameters, _context, _many):
    if connection.info.get(_PENDING):
        _submit(connection, [])
    return statement, parameters


def nothing_sent(session: Session) -> bool:
    """Whether this PostgreSQL transaction has neither sent nor held back anything yet (its
    BEGIN still waiting to ride with a first statement): its commit will send nothing."""
    connection = session.connection()
    return connection.info.get(_PENDING) == [_BEGIN]


def _flush_and_commit(connection):
    pending = connection.info.get(_PENDING)
    if pending == [_BEGIN]:  # nothing ran: the transaction never needs to reach the server
        del pending[:]
    elif pending:
        # The COMMIT travels in the same pipeline; SQLAlchemy's own commit then finds the
        # transaction ended and sends nothing. A failed write aborts the pipeline before the
        # COMMIT, and the error propagates out of the commit.
        _submit(connection, [], commit=True)


def _discard(connection):
    connection.info.pop(_PENDING, None)


def _discard_at_checkin(_dbapi_connection, record):
    record.info.pop(_PENDING, None)


class Deferred:
    """A deferred statement's row count, known once it has been sent (None until then)."""

    __slots__ = ("rowcount",)

    def __init__(self, rowcount: int | None = None):
        self.rowcount = rowcount


class Prefetched:
    """The rows of a read sent with the held-back writes (``prefetch``)."""

    __slots__ = ("_connection", "_form", "_rows")

    def __init__(self, connection, form: _Form, rows: list[Any] | None = None):
        self._connection = connection
        self._form = form
        self._rows = rows

    def _receive(self, cursor) -> None:
        self._rows = _result(self._form, cursor, False).rows

    @property
    def rows(self) -> list[Any]:
        if self._rows is None:  # not sent yet: send it now, with what is held back before it
            _submit(self._connection, [])
        if self._rows is None:
            raise RuntimeError("a prefetched read was dropped with its transaction")
        return self._rows


def prefetch(
    session: Session, direct: Direct, params: Mapping[str, Any] | None = None
) -> Prefetched:
    """Queue a read to travel with the held-back writes (after those already held back),
    for a caller that will need its rows later but not now: on PostgreSQL it shares the next
    round trip instead of taking one of its own; elsewhere it runs now. Reading ``.rows``
    before anything else was sent sends it."""
    params = params or {}
    connection = session.connection()
    form = direct.form(connection.dialect, params)
    if connection.engine not in _INSTALLED:
        return Prefetched(connection, form, run(session, direct, params).rows)
    handle = Prefetched(connection, form)
    connection.info.setdefault(_PENDING, []).append((form.sql, form.arguments(params), handle))
    return handle


def defer(session: Session, direct: Direct, params: Mapping[str, Any] | None = None) -> Deferred:
    """Execute ``direct`` for its effect only, as late as is safe: on an ``install``-ed
    PostgreSQL engine it is sent with the next statement or the commit (its errors surface
    there, and roll the whole transaction back); elsewhere it runs now. The returned handle
    gives its row count once sent (after the commit, at the latest)."""
    params = params or {}
    connection = session.connection()
    if connection.engine not in _INSTALLED:
        return Deferred(run(session, direct, params).rowcount)
    form = direct.form(connection.dialect, params)
    handle = Deferred()
    connection.info.setdefault(_PENDING, []).append((form.sql, form.arguments(params), handle))
    return handle


def defer_many(session: Session, direct: Direct, rows: Sequence[Mapping[str, Any]]) -> None:
    """``defer`` for one statement and many rows."""
    if not rows:
        return
    connection = session.connection()
    if connection.engine not in _INSTALLED:
        run_many(session, direct, rows)
        return
    form = direct.form(connection.dialect, rows[0])
    pending = connection.info.setdefault(_PENDING, [])
    pending.extend((form.sql, form.arguments(row), None) for row in rows)


# --- running now ----------------------------------------------------------------------------


def _submit(
    connection, calls: Sequence[tuple[_Form, Any, bool]], *, commit: bool = False
) -> list[Any]:
    """Send what is pending, then each ``(form, arguments, many)`` in order (then the COMMIT,
    if asked); the calls' cursors.

    On PostgreSQL everything goes in one round trip (a pipeline) when there is more than one
    thing to send, or when the transaction has yet to begin (psycopg's BEGIN rides along). The
    server still runs the statements one after the other, each with its own snapshot taken
    when it starts: a read sent after a row lock sees what the lock waited for.

    SQLAlchemy's ``before_cursor_execute`` / ``after_cursor_execute`` listeners hear of each
    statement as it is sent (``context`` None), so statement logs and counters see them all.
    """
    dialect = connection.dialect
    dbapi = connection.connection.dbapi_connection
    pending = connection.info.pop(_PENDING, None) or ()
    postgres = dialect.name == "postgresql"
    cursors = [dbapi.cursor() for _ in calls]
    pipelined = postgres and (
        pending or commit or len(calls) > 1 or dbapi.info.transaction_status.name == "IDLE"
    )
    before, after = _observers(connection)
    sent: list[tuple[Any, str, Any, bool]] = []
    counted: list[tuple[Deferred | Prefetched, Any]] = []
    sql, arguments = "", None
    try:
        with dbapi.pipeline() if pipelined else contextlib.nullcontext():
            if pending:
                writes = dbapi.cursor()  # results nobody reads: one cursor for them all
                for sql, arguments, handle in pending:
                    cursor = writes if handle is None else dbapi.cursor()
                    for listener in before:
                        listener(connection, cursor, sql, arguments, None, False)
                    cursor.execute(sql, arguments)
                    sent.append((cursor, sql, arguments, False))
                    if handle is not None:
                        counted.append((handle, cursor))
            for cursor, (form, arguments, many) in zip(cursors, calls, strict=True):
                sql = form.sql
                for listener in before:
                    listener(connection, cursor, sql, arguments, None, many)
                if many:  # no RETURNING (see ``run_many``)
                    cursor.executemany(sql, arguments)
                else:
                    cursor.execute(sql, arguments)
                sent.append((cursor, sql, arguments, many))
            if commit and dbapi.autocommit:
                # The COMMIT as one more statement of the pipeline: its answer comes back
                # with the others' at the pipeline's Sync. (``dbapi.commit()`` inside a
                # pipeline syncs by itself, and leaving the pipeline syncs once more: one
                # round trip more.) psycopg then finds the server out of the transaction.
                dbapi.cursor().execute("COMMIT")
            elif commit:
                dbapi.commit()
    except dialect.loaded_dbapi.Error as error:
        _raise(dialect, sql, arguments, error)
    for handle, cursor in counted:
        if isinstance(handle, Prefetched):
            handle._receive(cursor)
        else:
            handle.rowcount = cursor.rowcount
    for cursor, sql, arguments, many in sent if after else ():
        for listener in after:
            listener(connection, cursor, sql, arguments, None, many)
    return cursors


def _observers(connection) -> tuple[tuple, tuple]:
    """Statement listeners other than this module's own."""
    if not connection._has_events and not connection.engine._has_events:
        return (), ()
    dispatch = connection.dispatch
    before = tuple(f for f in dispatch.before_cursor_execute if f is not _flush_before_statement)
    return before, tuple(dispatch.after_cursor_execute)


def _result(form: _Form, cursor, many: bool) -> Result:
    try:
        if form.row is None:
            return Result([], cursor.rowcount)
        found = list(cursor.fetchall())
        while many and cursor.nextset():
            found.extend(cursor.fetchall())
        return Result(form.rows(found), len(found) if many else cursor.rowcount)
    finally:
        cursor.close()


def run(session: Session, direct: Direct, params: Mapping[str, Any] | None = None) -> Result:
    """Execute ``direct`` once with ``params`` in the session's transaction."""
    params = params or {}
    connection = session.connection()
    form = direct.form(connection.dialect, params)
    (cursor,) = _submit(connection, [(form, form.arguments(params), False)])
    return _result(form, cursor, False)


def run_all(
    session: Session, statements: Sequence[tuple[Direct, Mapping[str, Any]]]
) -> list[Result]:
    """Execute several statements in order, in one round trip on PostgreSQL (see
    ``_submit``); their results. A later statement's parameters cannot depend on an earlier
    one's result: refer to the rows in SQL (a subquery) instead."""
    connection = session.connection()
    forms = [direct.form(connection.dialect, params) for direct, params in statements]
    calls = [
        (form, form.arguments(params), False)
        for form, (_direct, params) in zip(forms, statements, strict=True)
    ]
    cursors = _submit(connection, calls)
    return [_result(form, cursor, False) for form, cursor in zip(forms, cursors, strict=True)]


def run_many(session: Session, direct: Direct, rows: Sequence[Mapping[str, Any]]) -> Result:
    """Execute ``direct`` once per row, in a single round trip on PostgreSQL (one
    ``executemany``, or one pipeline of executes with ``RETURNING``). Rows returned by
    ``RETURNING`` come back in the order of ``rows``."""
    if not rows:
        return Result([], 0)
    connection = session.connection()
    form = direct.form(connection.dialect, rows[0])
    arguments = [form.arguments(row) for row in rows]
    if form.row is not None:
        # One execute per row: sqlite3's executemany returns no rows, and psycopg's, inside a
        # pipeline, asks for the rows before the pipeline's Sync (a round trip more); these
        # executes ride in one pipeline and come back together.
        cursors = _submit(connection, [(form, argument, False) for argument in arguments])
        found = [row for cursor in cursors for row in _result(form, cursor, False).rows]
        return Result(found, len(found))
    (cursor,) = _submit(connection, [(form, arguments, True)])
    return _result(form, cursor, True)
