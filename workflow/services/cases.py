"""Creating a case and editing its fields (documents: ``workflow.services.documents``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from workflow import audit_key
from workflow.audit import new_event
from workflow.clock import local_date
from workflow.errors import InvalidInput, NotFound, PermissionDenied
from workflow.events import CaseCreated, FieldsChanged, dispatch
from workflow.fields import get_field_set
from workflow.persistence.models import AuditEvent, Case, DocumentVersion, Organization, Task
from workflow.policy import Actor, can_start, role_in_scope
from workflow.search import index as search_index
from workflow.services import clocks
from workflow.services.case_log import append_case_event
from workflow.services.casework import (
    CaseRow,
    calendar_for,
    state_deadline,
    visible_case,
)
from workflow.services.overdue import overdue_reason
from workflow.services.reviews import start_round
from workflow.services.tasks import cancel_reminders, open_tasks, plan_reminders, tasks_for_state
from workflow.services.trigger_data import promoted_columns

if TYPE_CHECKING:
    from workflow.engine import Engine

cases_t = Case.__table__
audit_t = AuditEvent.__table__
docs_t = DocumentVersion.__table__
tasks_t = Task.__table__
# Fields whose change re-indexes the case's titles and partner names for search.
SEARCHED_FIELDS = frozenset({"title", "title_partner", "partner"})


@dataclass(frozen=True)
class CreatedCase:
    id: int
    state: str
    version: int


def create_case(
    engine: Engine,
    actor: Actor,
    kind: str,
    owner_org_id: int | None,
    fields: dict[str, Any],
    parent_case_id: int | None,
) -> CreatedCase:
    """Start a case of ``kind`` on the current definition version, owned by ``owner_org_id``
    (default: the actor's organization)."""
    with engine.uow() as uow:
        created = create_case_in(
            engine, uow.session, actor, kind, owner_org_id, fields, parent_case_id
        )
        uow.commit()
    return created


def create_case_in(
    engine: Engine,
    session: Session,
    actor: Actor,
    kind: str,
    owner_org_id: int | None,
    fields: dict[str, Any],
    parent_case_id: int | None,
) -> CreatedCase:
    """``create_case`` inside the caller's transaction (the caller commits): scheduling a
    meeting creates its cycle case and the meeting row together."""
    now = engine.clock.now()
    today = local_date(now)
    version = engine.catalog.current(kind)
    definition = version.definition
    owner_org_id = owner_org_id or actor.me.org_id
    if not can_start(definition, actor, owner_org_id):
        raise PermissionDenied(f"You may not start a '{definition.title.en}'.")
    field_set = get_field_set(definition.fields_schema)
    stored = field_set.with_derived({}, field_set.dump(field_set.load(fields)))
    promoted = promoted_columns(definition.fields_schema, stored)
    title = promoted.pop("title", None) or stored.get("title")
    if not title:
        raise InvalidInput("A title is required.", {"title": "Missing data for required field."})
    owner = session.get(Organization, owner_org_id)
    if owner is None:
        raise NotFound(f"Organization {owner_org_id} not found.")
    region_id = owner.id if owner.kind == "region" else owner.parent_id
    calendar_code = None
    if region_id is not None:
        calendar_code = session.scalar(
            select(Organization.calendar_code).where(Organization.id == region_id)
        )
    if parent_case_id is not None and session.get(Case, parent_case_id) is None:
        raise NotFound(f"Case {parent_case_id} not found.")
    case_id = session.scalar(
        insert(cases_t)
        .returning(cases_t.c.id)
        .values(
            kind=kind,
            definition_id=version.id,
            state=definition.initial,
            is_closed=False,
            version=1,
            title=title,
            owner_org_id=owner_org_id,
            region_id=region_id,
            parent_case_id=parent_case_id,
            fields=stored,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
            state_entered_at=now,
            **promoted,
        )
    )
    case = CaseRow(
        case_id,
        kind,
        version.id,
        definition.initial,
        1,
        owner_org_id,
        region_id,
        actor.user_id,
        stored,
        promoted.get("planned_date"),
        None,
        calendar_code,
        False,
        title,
    )
    events = [CaseCreated(case_id, kind, definition.initial, actor.user_id)]
    state = definition.states[definition.initial]
    audit_data: dict[str, Any] = {"fields": stored}
    cal = calendar_for(engine, case, definition, state)
    due = clocks.on_enter(
        session,
        case_id,
        state,
        state_deadline(engine, version, state, case, stored, today),
        today,
        cal,
        audit_data,
    )
    late = overdue_reason(engine, definition, state, case, stored, due, today)
    if late is not None:
        audit_data["overdue_at_opening"] = late
    round_id = start_round(session, case_id, state.name, now) if state.kind == "review" else None
    task_ids = open_tasks(
        session,
        case,
        state,
        tasks_for_state(definition, state, case),
        due,
        round_id,
        now,
        events,
        known_through=cal.provisional_through(due),
        overdue_reason=late,
    )
    plan_reminders(session, case, definition, state, task_ids, due, cal, now)
    key = audit_key.for_session(session)
    event = new_event(
        case_id=case_id,
        seq=1,
        prev_hash=None,
        kind="created",
        actor_id=actor.user_id,
        acting_for_id=None,
        trigger=None,
        from_state=None,
        to_state=definition.initial,
        comment=None,
        definition_id=version.id,
        data=audit_data,
        created_at=now,
        key=key,
    )
    session.execute(insert(audit_t), event)
    session.execute(
        update(cases_t)
        .where(cases_t.c.id == case_id)
        .values(audit_head=event["hash"], audit_mac=audit_key.head_mac(key, case_id, event["hash"]))
    )
    search_index.index_case_titles(session, case_id)
    dispatch(engine.handlers, session, now, events)
    return CreatedCase(case_id, definition.initial, 1)


def may_edit(definition, case: CaseRow, actor: Actor) -> bool:
    """Editing is for the people acting in the current state (its roles), or the party's
    initiator roles in a state without roles."""
    state = definition.states[case.state]
    roles = state.roles or definition.start_roles
    return any(
        role_in_scope(definition, role, p, case) for p in actor.principals() for role in roles
    )


def update_fields(
    engine: Engine,
    case_id: int,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
) -> int:
    """Change fields the current state allows editing; returns the new version."""
    with engine.uow() as uow:
        new_version = update_fields_in(
            engine, uow.session, case_id, actor, changes, expected_version
        )
        uow.commit()
    return new_version


def update_fields_in(
    engine: Engine,
    session: Session,
    case_id: int,
    actor: Actor,
    changes: dict[str, Any],
    expected_version: int | None,
    *,
    check_editable: bool = True,
) -> int:
    """``update_fields`` inside the caller's transaction (the caller commits).

    ``check_editable=False`` skips the state's ``editable`` list and the editing permission:
    for a service that has authorized the change itself and owns the field (rescheduling a
    meeting moves ``meeting_date``, which no state lists as editable).
    """
    now = engine.clock.now()
    today = local_date(now)
    if not changes:
        raise InvalidInput("Nothing to change.")
    case = visible_case(engine, session, case_id, actor, expected_version)
    version = engine.catalog.get(case.definition_id, session)
    definition = version.definition
    state = definition.states[case.state]
    if check_editable and not may_edit(definition, case, actor):
        raise PermissionDenied("You may not edit this case in its current state.")
    editable = set(state.editable)
    locked = sorted(k for k in changes if k not in editable and "*" not in editable)
    if check_editable and locked:
        raise InvalidInput(
            f"These fields cannot be changed in state '{case.state}': {', '.join(locked)}.",
            dict.fromkeys(locked, "Not editable in this state."),
        )
    field_set = get_field_set(definition.fields_schema)
    stored_changes = field_set.dump(field_set.load(changes))
    fields = field_set.with_derived(case.fields, {**case.fields, **stored_changes})
    changed = tuple(sorted(k for k in fields if case.fields.get(k) != fields[k]))
    audit_data: dict[str, Any] = {"changed": {k: fields[k] for k in changed}}
    _replan_if_anchor_changed(
        engine, session, version, state, case, fields, changed, now, today, audit_data
    )
    promoted = promoted_columns(definition.fields_schema, fields)
    new_version = append_case_event(
        session,
        case,
        kind="fields",
        actor_id=actor.user_id,
        now=now,
        data=audit_data,
        fields=fields,
        **promoted,
    )
    if SEARCHED_FIELDS.intersection(changed):
        search_index.index_case_titles(session, case.id)
    dispatch(engine.handlers, session, now, [FieldsChanged(case.id, changed, actor.user_id)])
    return new_version


def _replan_if_anchor_changed(
    engine, session, version, state, case, fields, changed, now, today, audit_data
) -> None:
    """A moved planned date moves the deadline of the open tasks that count from it, and
    re-plans their reminders (the old rows are cancelled, never sent)."""
    if state.deadline is None or state.deadline.anchor not in changed:
        return
    due = state_deadline(engine, version, state, case, fields, today)
    open_ids = list(
        session.scalars(
            select(tasks_t.c.id).where(
                tasks_t.c.case_id == case.id,
                tasks_t.c.status == "open",
                tasks_t.c.state == state.name,
            )
        )
    )
    if not open_ids:
        return
    cal = calendar_for(engine, case, version.definition, state)
    session.execute(
        update(tasks_t)
        .where(tasks_t.c.id.in_(open_ids))
        .values(due_on=due, due_known_through=cal.provisional_through(due))
    )
    cancel_reminders(session, open_ids)
    plan_reminders(session, case, version.definition, state, open_ids, due, cal, now)
    audit_data["deadline_moved"] = {"state": state.name, "due_on": due.isoformat() if due else None}
