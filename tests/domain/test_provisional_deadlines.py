"""A deadline counted in a year whose calendar is not known yet is kept as provisional and
counted again once the calendar files learn the year.

Kazan's annual report for 2027 is due no later than 14 January 2028, a Friday, counted on
Tatarstan's calendar, which knows its own days through 2026 only. The test then gives the
engine calendars that know 2028 with 14 January made a day off: the due date moves to Monday
17 January, the reminders with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import yaml
from click.testing import CliRunner
from sqlalchemy import select

from tests.domain.walking import walk_to
from tests.support.databases import stamp_head
from web.cli import main
from workflow.calendar.production import CalendarSet, ProductionCalendar
from workflow.calendar.selfcheck import month_counts
from workflow.clock import MOSCOW
from workflow.definitions.directory import DEFAULT_DIRECTORY, load_verified
from workflow.engine import Engine
from workflow.persistence.models import AuditEvent, Reminder, Task
from workflow.services.deadlines import AUDIT_KIND, recount_provisional

TWIN = load_verified().definitions["twin_city_agreement"]
REGIONAL = load_verified().definitions["regional_agreement"]
REPORT = {"annual_report": {"period": "2026", "summary": "Итоги"}}


def _learned_2028(definitions, day_off: dt.date):
    """The shipped definitions with calendars that know 2028, ``day_off`` moved (federally,
    so in Tatarstan too)."""
    base = definitions.calendars
    moved = {day_off: "Day off moved by the 2028 decree"}
    federal = ProductionCalendar("RU", moved, {}, base.federal.official, 2028)
    ta = base.for_region("RU-TA")
    tatarstan = ProductionCalendar(
        "RU-TA", {**ta._extra_non_working, **moved}, ta._extra_working, ta.official, 2028
    )
    return dataclasses.replace(definitions, calendars=CalendarSet(federal, {"RU-TA": tatarstan}))


def _report_task(engine, case_id):
    with engine.uow(write=False) as uow:
        task = uow.session.scalar(
            select(Task).where(Task.case_id == case_id, Task.status == "open")
        )
        reminders = uow.session.execute(
            select(Reminder.kind, Reminder.due_at, Reminder.status)
            .where(Reminder.task_id == task.id)
            .order_by(Reminder.due_at)
        ).all()
    return task, reminders


def _pending_days(reminders):
    return [(kind, at.date()) for kind, at, status in reminders if status == "pending"]


def _report_due_in_2028(world):
    walk = walk_to(world, TWIN, "in_force", owner="kazan_ini")
    world.engine.fire(
        walk.case_id,
        "submit_annual_report",
        world.actor("kazan_ini"),
        data={**REPORT, "report_period_end": "2027-12-31"},
    )
    return walk.case_id


def test_a_deadline_in_an_unknown_year_is_stored_as_provisional(shipped_world, clock):
    case_id = _report_due_in_2028(shipped_world)
    task, _reminders = _report_task(shipped_world.engine, case_id)
    assert task.due_on == dt.date(2028, 1, 14)
    assert task.due_known_through == 2026  # Tatarstan's own days: through 2026
    assert recount_provisional(shipped_world.engine) == []  # nothing learned: nothing to do


def test_when_the_calendar_learns_the_year_the_due_date_and_its_reminders_move(
    shipped_world, clock, db_url, shipped_definitions
):
    case_id = _report_due_in_2028(shipped_world)
    _task, before = _report_task(shipped_world.engine, case_id)
    assert ("escalation", dt.date(2028, 1, 17)) in _pending_days(before)

    learned = Engine.create(
        db_url, _learned_2028(shipped_definitions, dt.date(2028, 1, 14)), clock=clock
    )
    try:
        (recount,) = recount_provisional(learned)
        assert (recount.was, recount.now, recount.provisional) == (
            dt.date(2028, 1, 14),
            dt.date(2028, 1, 17),
            False,
        )
        task, after = _report_task(learned, case_id)
        assert (task.due_on, task.due_known_through) == (dt.date(2028, 1, 17), None)
        # 3 working days before Monday 17 January: 13, 12, 11 January; 10 days: back over the
        # holidays (1-9 January) and 31 December 2027 (moved from 3 January) to 23 December.
        # The escalation on Tuesday 18th.
        assert _pending_days(after) == [
            ("reminder", dt.date(2027, 12, 23)),
            ("reminder", dt.date(2028, 1, 11)),
            ("escalation", dt.date(2028, 1, 18)),
        ]
        assert {status for _k, _at, status in after} == {"pending", "cancelled"}
        with learned.uow(write=False) as uow:
            event = uow.session.scalar(
                select(AuditEvent).where(
                    AuditEvent.case_id == case_id, AuditEvent.kind == AUDIT_KIND
                )
            )
        assert event.data["deadlines_recounted"][0]["from"] == "2028-01-14"
        assert event.data["deadlines_recounted"][0]["to"] == "2028-01-17"
        assert recount_provisional(learned) == []  # once only
    finally:
        learned.dispose()


def _definitions_knowing_2028(tmp_path, day_off: dt.date):
    """A copy of ``definitions/`` whose ``ru.yaml`` names 2028 (a decree moving ``day_off``),
    with the official figures the start-up self-check compares."""
    root = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DIRECTORY, root)
    path = root / "calendars" / "ru.yaml"
    ru = yaml.safe_load(path.read_text(encoding="utf-8"))
    ru["non_working"] = {day_off: "Day off moved by the 2028 decree"}
    months = month_counts(ProductionCalendar("RU", ru["non_working"], {}), 2028)
    ru["years"][2028] = {
        "act": "Постановление Правительства РФ «О переносе выходных дней в 2028 году»",
        "number": "1",
        "date": dt.date(2027, 9, 1),
        "published": "pravo.gov.ru",
        "working_days": months,
        "total": sum(months),
    }
    path.write_text(yaml.safe_dump(ru, allow_unicode=True), encoding="utf-8")
    return root


def test_soglasie_deadlines_recompute_moves_a_federal_deadline_once_ru_yaml_knows_the_year(
    shipped_world, clock, db_url, tmp_path, monkeypatch
):
    """The MFA's 5 working days from Monday 27 December 2027 end on Tuesday 11 January 2028
    (31 December and 1-9 January off); a decree making 10 January a day off moves them to
    Wednesday 12 January."""
    clock.set(dt.datetime(2027, 12, 27, 9, 0, tzinfo=MOSCOW))
    walk = walk_to(
        shipped_world,
        REGIONAL,
        "submitted_for_review",
        owner="ta_ini",
        planned_signing_date="2028-06-01",
    )
    task, _reminders = _report_task(shipped_world.engine, walk.case_id)
    assert (task.due_on, task.due_known_through) == (dt.date(2028, 1, 11), 2027)

    stamp_head(db_url)
    root = _definitions_knowing_2028(tmp_path, dt.date(2028, 1, 10))
    monkeypatch.setenv("SOGLASIE_DEFINITIONS_DIR", str(root))
    result = CliRunner().invoke(
        main, ["deadlines", "recompute", "--database-url", db_url], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "2028-01-11 -> 2028-01-12 on RU" in result.output
    task, _reminders = _report_task(shipped_world.engine, walk.case_id)
    assert (task.due_on, task.due_known_through) == (dt.date(2028, 1, 12), None)
