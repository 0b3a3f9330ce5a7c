"""Plans of activities: items added while drafting, progress reported by the responsible
organization once adopted, optimistic versions, audit, and the per-region roll-ups."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.domain.walking import PLAN_DATA, walk_to
from workflow.audit import verify_case
from workflow.definitions.directory import load_verified
from workflow.errors import (
    ConcurrentUpdate,
    Conflict,
    InvalidInput,
    PermissionDenied,
    TransitionNotAllowed,
)
from workflow.persistence.models import AuditEvent
from workflow.persistence.plans import PlanItem
from workflow.queries.region_rollup import region_rollups

PLAN = load_verified().definitions["activity_plan"]


def _new_plan(world, username="ta_ini") -> int:
    today = world.engine.today()
    return world.engine.create_case(
        world.actor(username),
        "activity_plan",
        fields={
            "title": "План мероприятий на 2026 год",
            "period_start": today.isoformat(),
            "period_end": dt.date(today.year, 12, 31).isoformat(),
        },
    ).id


def _item(world, plan_id, username="ta_ini", **overrides):
    details = dict(
        title="Дни Татарстана в Харбине",
        area="cultural",
        responsible_org_id=world.org_id("RU-TA-KAZAN"),
        due_on="2026-06-15",
        venue="Российский центр науки и культуры",
        budget_line="3.6/1",
    )
    details.update(overrides)
    return world.engine.add_plan_item(plan_id, world.actor(username), **details)


def _adopt(world, plan_id):
    engine, today = world.engine, world.engine.today()
    engine.fire(plan_id, "submit_plan", world.actor("ta_ini"))
    engine.fire(plan_id, "approve_plan", world.actor("coord"))
    engine.fire(plan_id, "adopt_plan", world.actor("ta_ini"), data=PLAN_DATA["adopt_plan"](today))


def test_a_plan_goes_to_review_only_with_items(domain_world):
    plan_id = _new_plan(domain_world)
    with pytest.raises(TransitionNotAllowed) as refused:
        domain_world.engine.fire(plan_id, "submit_plan", domain_world.actor("ta_ini"))
    assert "no items" in refused.value.message
    _item(domain_world, plan_id)
    result = domain_world.engine.fire(plan_id, "submit_plan", domain_world.actor("ta_ini"))
    assert result.to_state == "under_review"


def test_items_are_validated_and_numbered(domain_world):
    plan_id = _new_plan(domain_world)
    with pytest.raises(InvalidInput) as bad:
        _item(domain_world, plan_id, area="space", budget_line="three", due_on="soon")
    assert set(bad.value.errors) == {"area", "budget_line", "due_on"}
    with pytest.raises(InvalidInput) as missing:
        _item(domain_world, plan_id, due_on=None)
    assert "due_on" in missing.value.errors
    first = _item(domain_world, plan_id)
    second = _item(domain_world, plan_id, due_on=None, due_quarter="2026-Q3")
    assert (first.number, second.number) == (1, 2)


def test_another_region_cannot_add_items(domain_world):
    plan_id = _new_plan(domain_world)
    with pytest.raises(PermissionDenied):
        _item(domain_world, plan_id, username="spe_ini")


def test_the_responsible_organization_reports_progress_once_the_plan_is_adopted(domain_world):
    engine = domain_world.engine
    plan_id = _new_plan(domain_world)
    item = _item(domain_world, plan_id)  # Kazan is responsible
    kazan = domain_world.actor("kazan_ini")
    with pytest.raises(Conflict):  # not adopted yet
        engine.update_plan_item(item.id, kazan, item.version, status="in_progress")
    _adopt(domain_world, plan_id)
    with pytest.raises(Conflict):  # details are fixed now
        engine.update_plan_item(item.id, domain_world.actor("ta_ini"), 1, title="Другое")
    updated = engine.update_plan_item(
        item.id, kazan, 1, status="in_progress", note="Площадка согласована"
    )
    assert updated.version == 2
    with pytest.raises(ConcurrentUpdate):  # a stale page
        engine.update_plan_item(item.id, kazan, 1, status="done")
    with pytest.raises(PermissionDenied):  # Saint Petersburg is not responsible
        engine.update_plan_item(item.id, domain_world.actor("spe_ini"), 2, status="done")
    engine.update_plan_item(item.id, kazan, 2, status="done", note="Проведено")
    with engine.uow(write=False) as uow:
        row = uow.session.get(PlanItem, item.id)
        assert (row.status, row.version) == ("done", 3)
        assert [(n["status"], n["text"]) for n in row.notes] == [
            ("in_progress", "Площадка согласована"),
            ("done", "Проведено"),
        ]
        kinds = list(
            uow.session.scalars(
                select(AuditEvent.kind)
                .where(AuditEvent.case_id == plan_id)
                .order_by(AuditEvent.seq)
            )
        )
        assert kinds.count("plan_item") == 3  # added, in progress, done
        assert verify_case(uow.session, plan_id) is None


def test_quarterly_reports_move_the_next_reporting_deadline(domain_world):
    walk = walk_to(domain_world, PLAN, "adopted")
    engine, ini = domain_world.engine, domain_world.actor("ta_ini")
    report = {"progress_report": {"period": "2026-Q1", "summary": "Выполняется"}}
    with pytest.raises(TransitionNotAllowed):
        engine.fire(walk.case_id, "report_quarter", ini, data=report)
    engine.fire(
        walk.case_id, "report_quarter", ini, data={**report, "monitoring_period_end": "2026-06-30"}
    )
    with engine.uow(write=False) as uow:
        from workflow.persistence.models import Task

        (task,) = uow.session.scalars(
            select(Task).where(Task.case_id == walk.case_id, Task.status == "open")
        )
    assert task.due_on == dt.date(2026, 7, 15)  # 15 days after the quarter


def test_a_returned_plan_is_revised_and_resubmitted(domain_world):
    walk = walk_to(domain_world, PLAN, "under_review")
    engine = domain_world.engine
    engine.fire(walk.case_id, "return_plan", domain_world.actor("coord"), comment="Добавьте сроки")
    _item(domain_world, walk.case_id, title="Форум побратимов")
    assert engine.fire(walk.case_id, "resubmit_plan", domain_world.actor("ta_ini")).moved


def test_the_rollup_counts_each_regions_cases_and_overdue_items(shipped_world, clock):
    world, engine = shipped_world, shipped_world.engine
    plan_id = _new_plan(world)
    _item(world, plan_id, due_on="2026-03-31")
    _item(world, plan_id, due_on=None, due_quarter="2026-Q1")
    _item(world, plan_id, due_on="2026-12-31")
    _adopt(world, plan_id)
    walk_to(world, load_verified().definitions["twin_city_agreement"], "drafting")
    clock.advance(days=45)  # 16 April 2026: Q1 is over, 31 March has passed
    today = engine.today()
    with engine.uow(write=False) as uow:
        rollups = {r.code: r for r in region_rollups(uow.session, today)}
    ta = rollups["RU-TA"]
    assert ta.count("activity_plan", "adopted") == 1
    assert ta.count("twin_city_agreement") == 1  # Kazan's, counted for its region
    assert ta.items == {"planned": 3}
    assert ta.overdue_items == 2
    assert ta.overdue_tasks == 1  # Kazan's drafting task (60 days) is not due; the plan's is
    assert rollups["RU-SPE"].open_cases == 0 and rollups["RU-SPE"].items == {}
