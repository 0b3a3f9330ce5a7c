"""Helpers shared by the services, used inside an open transaction. They never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select, union_all, update
from sqlalchemy.orm import Session, aliased

from workflow.calendar.durations import Unit
from workflow.calendar.production import ProductionCalendar
from workflow.calendar.terms import add_working_days, term_after, term_before
from workflow.definitions.catalog import Version
from workflow.definitions.model import Definition, StateSpec
from workflow.definitions.performers import FEDERAL, performer
from workflow.errors import ConcurrentUpdate, NotFound
from workflow.fields.registry import as_date
from workflow.guards import DocumentInfo, GuardContext
from workflow.persistence import direct
from workflow.persistence.models import Case, DocumentVersion, Organization, ReviewRound, Task
from workflow.policy import Actor, can_view
from workflow.services.clocks import LIVE_CLOCKS

if TYPE_CHECKING:
    from workflow.engine import Engine

cases_t = Case.__table__


@dataclass
class CaseRow:
    """The columns of a locked case row, as plain data."""

    id: int
    kind: str
    definition_id: int
    state: str
    version: int
    owner_org_id: int
    region_id: int | None
    created_by: int | None
    fields: dict[str, Any]
    planned_date: dt.date | None
    audit_head: str | None
    calendar_code: str | None
    is_closed: bool
    title: str
    # True when this transaction holds the row's lock (``SELECT … FOR UPDATE`` on PostgreSQL):
    # no other transaction can change the row until this one ends.
    locked: bool = False


_REGION = aliased(Organization, name="case_region")
# Built once: a new alias per call would defeat SQLAlchemy's statement cache (measured: ~10 ms
# per call recompiling, against well under 1 ms cached).
_READ_CASE = (
    select(
        Case.id,
        Case.kind,
        Case.definition_id,
        Case.state,
        Case.version,
        Case.owner_org_id,
        Case.region_id,
        Case.created_by,
        Case.fields,
        Case.planned_date,
        Case.audit_head,
        _REGION.calendar_code,
        Case.is_closed,
        Case.title,
    )
    .select_from(Case)
    .outerjoin(_REGION, _REGION.id == Case.region_id)
    .where(Case.id == bindparam("case_id"))
)
_LOCK_CASE = direct.Direct(_READ_CASE.with_for_update(of=Case))
_READ_CASE_DIRECT = direct.Direct(_READ_CASE)


# The open tasks of the state the case is in, and the votes already cast in its open review
# round. The state comes from the row itself (a subquery), so this can be sent together with
# the lock: the server runs it after the lock is granted, with a fresh snapshot.
_tasks_t = Task.__table__
_rounds_t = ReviewRound.__table__
_CASE_ID = bindparam("case_id")
_STATE_NOW = select(cases_t.c.state).where(cases_t.c.id == _CASE_ID).scalar_subquery()
_OPEN_ROUND = (
    select(_rounds_t.c.id)
    .where(
        _rounds_t.c.case_id == _CASE_ID,
        _rounds_t.c.state == _STATE_NOW,
        _rounds_t.c.outcome.is_(None),
    )
    .order_by(_rounds_t.c.number.desc())
    .limit(1)
    .scalar_subquery()
)
_TASK_COLUMNS = (
    _tasks_t.c.id,
    _tasks_t.c.role,
    _tasks_t.c.assignee_id,
    _tasks_t.c.round_id,
    _tasks_t.c.status,
    _tasks_t.c.outcome,
    _rounds_t.c.number.label("round_number"),
    _rounds_t.c.outcome.label("round_outcome"),
)
_WITH_ROUND = _tasks_t.outerjoin(_rounds_t, _rounds_t.c.id == _tasks_t.c.round_id)
_CASE_TASKS = union_all(
    select(*_TASK_COLUMNS)
    .select_from(_WITH_ROUND)
    .where(
        _tasks_t.c.case_id == _CASE_ID,
        _tasks_t.c.status == "open",
        _tasks_t.c.state == _STATE_NOW,
    ),
    select(*_TASK_COLUMNS)
    .select_from(_WITH_ROUND)
    .where(_tasks_t.c.round_id == _OPEN_ROUND, _tasks_t.c.status == "done"),
)
_CASE_TASKS = direct.Direct(_CASE_TASKS)  # sorted by id in Python: a handful of rows


def lock_case(session: Session, case_id: int, *, for_update: bool = True) -> CaseRow | None:
    """Read a case and, on PostgreSQL, lock its row until the transaction ends.

    On SQLite the unit of work already holds the database write lock (``BEGIN IMMEDIATE``).
    """
    query = _LOCK_CASE if for_update else _READ_CASE_DIRECT
    row = direct.run(session, query, {"case_id": case_id}).first()
    return CaseRow(*row, locked=for_update and _row_locks(session)) if row is not None else None


def _row_locks(session: Session) -> bool:
    """Whether ``FOR UPDATE`` locks rows here (SQLite has no row locks: the unit of work holds
    the database's write lock instead)."""
    return session.get_bind().dialect.name == "postgresql"


def lock_case_with_tasks(
    session: Session, case_id: int
) -> tuple[CaseRow | None, list[Any], list[Any]]:
    """``lock_case``, the case's task rows and its live SLA clocks as of the lock (in one
    round trip on PostgreSQL). Tasks: the open tasks of its current state, and the closed
    tasks (``status`` done) of its open review round, ordered by id; each with
    ``round_number`` and ``round_outcome``. Clocks: ``clocks.LIVE_CLOCKS``."""
    params = {"case_id": case_id}
    locked, tasks, live = direct.run_all(
        session, [(_LOCK_CASE, params), (_CASE_TASKS, params), (LIVE_CLOCKS, params)]
    )
    row = locked.first()
    case = CaseRow(*row, locked=_row_locks(session)) if row is not None else None
    return case, sorted(tasks.rows), live.rows


def visible_case(
    engine: Engine,
    session: Session,
    case_id: int,
    actor: Actor | None,
    expected_version: int | None,
    *,
    for_update: bool = True,
) -> CaseRow:
    """Lock and return the case, or raise: NotFound (also when the actor may not see it, so
    its existence does not leak) or ConcurrentUpdate on a stale ``expected_version``."""
    return _checked(
        lock_case(session, case_id, for_update=for_update), case_id, actor, expected_version
    )


def visible_case_with_tasks(
    session: Session, case_id: int, actor: Actor | None, expected_version: int | None
) -> tuple[CaseRow, list[Any], list[Any]]:
    """``visible_case`` (locked) with its task rows and live clocks
    (``lock_case_with_tasks``)."""
    case, tasks, live = lock_case_with_tasks(session, case_id)
    return _checked(case, case_id, actor, expected_version), tasks, live


def _checked(
    case: CaseRow | None, case_id: int, actor: Actor | None, expected_version: int | None
) -> CaseRow:
    if case is None or (actor is not None and not can_view(actor, case)):
        raise NotFound(f"Case {case_id} not found.")
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentUpdate(current_version=case.version)
    return case


def calendar_for(
    engine: Engine,
    case: CaseRow,
    definition: Definition | None = None,
    state: StateSpec | None = None,
) -> ProductionCalendar:
    """The calendar a term of ``case`` counts on.

    With a ``state``: the calendar of the organization that performs the state's work
    (``workflow.definitions.performers``): the federal calendar for a federal body's task
    whatever the case's region, the region's for the region's bodies and its municipalities.
    Without one: the region's calendar, for the lead times that bind the region (sending the
    draft before signing, the guards' "no later than N before").
    """
    calendars = engine.catalog.calendars
    if state is not None and definition is not None and performer(definition, state) == FEDERAL:
        return calendars.federal
    return calendars.for_region(case.calendar_code)


_documents_t = DocumentVersion.__table__
_LATEST_DOCUMENTS = direct.Direct(
    select(_documents_t.c.language, _documents_t.c.number, _documents_t.c.sha256)
    .where(_documents_t.c.case_id == bindparam("case_id"))
    .order_by(_documents_t.c.language, _documents_t.c.number)
)


def latest_documents(session: Session, case_id: int) -> dict[str, DocumentInfo]:
    rows = direct.run(session, _LATEST_DOCUMENTS, {"case_id": case_id}).rows
    latest: dict[str, DocumentInfo] = {}
    for language, number, sha in rows:
        latest[language] = DocumentInfo(language, number, sha)
    return latest


def approved_documents(session: Session, case_id: int) -> dict[str, Any] | None:
    """The document snapshot of the latest review round that ended in approval."""
    return session.scalar(
        select(ReviewRound.documents)
        .where(ReviewRound.case_id == case_id, ReviewRound.outcome == "approved")
        .order_by(ReviewRound.closed_at.desc(), ReviewRound.id.desc())
        .limit(1)
    )


def guard_context(
    engine: Engine,
    session: Session,
    case: CaseRow,
    definition: Definition,
    fields: dict[str, Any],
    today: dt.date,
    data: dict[str, Any],
) -> GuardContext:
    cache: dict[str, Any] = {}

    def documents():
        if "docs" not in cache:
            cache["docs"] = latest_documents(session, case.id) if case.id else {}
        return cache["docs"]

    def approved():
        if "approved" not in cache:
            cache["approved"] = approved_documents(session, case.id) if case.id else None
        return cache["approved"]

    return GuardContext(
        case_id=case.id,
        kind=case.kind,
        state=case.state,
        fields=fields,
        today=today,
        calendar=calendar_for(engine, case),
        parameter=lambda name: engine.catalog.parameter(definition, name, case.calendar_code),
        documents=documents,
        approved_documents=approved,
        data=data,
        session=session,
    )


def state_deadline(
    engine: Engine,
    version: Version,
    state: StateSpec,
    case: CaseRow,
    fields: dict[str, Any],
    entered_on: dt.date,
) -> dt.date | None:
    """The due date of ``state``'s work for this case, or None (no deadline, or its anchor
    field is empty), on the calendar of whoever performs the state's work (``calendar_for``)."""
    spec = state.deadline
    if spec is None:
        return None
    anchor = entered_on if spec.anchor == "entered" else as_date(fields.get(spec.anchor))
    if anchor is None:
        return None
    duration = engine.catalog.parameter(version.definition, spec.within, case.calendar_code)
    cal = calendar_for(engine, case, version.definition, state)
    if spec.direction == "after":
        return term_after(cal, anchor, duration)
    return term_before(cal, anchor, duration)


def reminder_day(cal: ProductionCalendar, due: dt.date, before) -> dt.date:
    """The day a reminder ``before`` a deadline goes out (a working day)."""
    if before.unit is Unit.WORKING_DAYS:
        return add_working_days(cal, due, -before.amount)
    return term_before(cal, due, before)


def bump_version(session: Session, case: CaseRow, now: dt.datetime, **values: Any) -> int:
    """UPDATE the case, guarded by its version; return the new version.

    The row is already locked, so the version check only fails if a caller forgot to lock;
    it is kept as a second line of defence on SQLite, where there is no row lock, and for a
    row read without ``FOR UPDATE``.
    """
    new_version = case.version + 1
    params = {f"set_{name}": value for name, value in values.items()}
    params.update(case_id=case.id, old_version=case.version, new_version=new_version, now=now)
    statement = _bump_statement(frozenset(values))
    if case.locked:
        # Nobody else can have changed the row since this transaction locked it, so there is
        # no answer worth waiting for: the UPDATE travels with the next statement or with the
        # COMMIT (one round trip less per change on PostgreSQL).
        direct.defer(session, statement, params)
    elif direct.run(session, statement, params).rowcount != 1:
        raise ConcurrentUpdate()
    case.version = new_version
    return new_version


_BUMPS: dict[frozenset[str], direct.Direct] = {}


def _bump_statement(columns: frozenset[str]) -> direct.Direct:
    """The version-guarded UPDATE for one set of extra columns, built once per set (a handful
    of sets exist: audit head only, a transition's, a field edit's)."""
    statement = _BUMPS.get(columns)
    if statement is None:
        statement = (
            update(cases_t)
            .where(
                cases_t.c.id == bindparam("case_id"),
                cases_t.c.version == bindparam("old_version"),
            )
            .values(
                version=bindparam("new_version"),
                updated_at=bindparam("now"),
                **{name: bindparam(f"set_{name}") for name in sorted(columns)},
            )
        )
        statement = direct.Direct(statement)
        _BUMPS[columns] = statement
    return statement
