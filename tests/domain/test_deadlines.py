"""Deadlines of the shipped procedures on real dates of the Russian production calendars.

Facts used (see definitions/calendars/): 1-8 January are holidays every year; 9 January 2026
is a day off moved from 3 January, 31 December 2025 one moved from 5 January 2025, 31 December
2026 one moved from 4 January 2026; 11 May 2026 is Victory Day observed; 12 June is Russia Day;
in Tatarstan 20 March 2026 is Uraza Bayram (decree of the Rais) and 6 November 2026
Constitution Day; a federal body's task counts on the federal calendar, a region's and its
municipalities' on the region's.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.domain.walking import AGREEMENT_DATA, walk_to
from workflow.clock import MOSCOW
from workflow.definitions.directory import load_verified
from workflow.errors import TransitionNotAllowed
from workflow.persistence.models import AuditEvent, Task

DEFINITIONS = load_verified().definitions
REGIONAL = DEFINITIONS["regional_agreement"]
TWIN = DEFINITIONS["twin_city_agreement"]


def _morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=MOSCOW)


def _open_due(world, case_id) -> set[tuple[str, str]]:
    with world.engine.uow(write=False) as uow:
        rows = uow.session.execute(
            select(Task.role, Task.due_on).where(Task.case_id == case_id, Task.status == "open")
        ).all()
    return {(role, due.isoformat()) for role, due in rows}


def test_a_signing_just_after_the_new_year_holidays_moves_the_federal_submission_into_december(
    shipped_world, clock
):
    """Signing on Monday 9 February 2026: one month before is Friday 9 January, a day off moved
    from 3 January; the holidays run back to 31 December 2025 (moved from 5 January 2025), so
    the draft must reach the federal bodies by Tuesday 30 December 2025."""
    clock.set(_morning(dt.date(2025, 12, 1)))
    walk = walk_to(shipped_world, REGIONAL, "internal_clearance", planned_signing_date="2026-02-09")
    assert _open_due(shipped_world, walk.case_id) == {
        ("legal_office", "2025-12-30"),
        ("head_of_region", "2025-12-30"),
    }

    # Cleared only on the first working day after the holidays, Monday 12 January 2026: the
    # submission goes ahead with a warning naming the missed day.
    clock.set(_morning(dt.date(2026, 1, 12)))
    engine = shipped_world.engine
    engine.fire(walk.case_id, "clear", shipped_world.actor("ta_legal"))
    result = engine.fire(walk.case_id, "clear", shipped_world.actor("ta_head"))
    assert "30.12.2025" in result.warnings[0]
    engine.fire(walk.case_id, "start_review", shipped_world.actor("mfa"))
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(walk.case_id, "approve", shipped_world.actor(reviewer))
    # ...and the signing cannot stay on 9 February: one month after 12 January is 12 February.
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(walk.case_id, "schedule_signing", shipped_world.actor("ta_ini"))
    assert refused.value.refusals[0].details["last_allowed_day"] == "2025-12-30"
    assert refused.value.refusals[0].details["earliest_allowed_date"] == "2026-02-12"


@pytest.mark.parametrize(
    ("planned", "last_day"),
    [
        # 11 December 2026 is a Friday: no move.
        ("2027-01-11", "2026-12-11"),
        # 8 January 2027 is a holiday, and so is 31 December 2026 (moved from 4 January):
        # back to Wednesday 30 December 2026.
        ("2027-02-08", "2026-12-30"),
    ],
)
def test_the_clearance_is_due_by_the_last_day_of_federal_submission(
    domain_world, planned, last_day
):
    walk = walk_to(domain_world, REGIONAL, "internal_clearance", planned_signing_date=planned)
    assert {due for _role, due in _open_due(domain_world, walk.case_id)} == {last_day}


@pytest.mark.parametrize(
    ("owner", "planned", "due"),
    [
        # 45 days before Monday 27 July 2026 is Friday 12 June, Russia Day, so the filing is
        # due on Thursday 11 June.
        ("vlad_ini", "2026-07-27", "2026-06-11"),
        # 45 days before Thursday 25 June 2026 is Monday 11 May, Victory Day observed, so
        # Friday 8 May.
        ("kron_ini", "2026-06-25", "2026-05-08"),
        # 45 days before Monday 4 May 2026 is Friday 20 March, Uraza Bayram in Tatarstan (a
        # working day elsewhere): the municipality's term counts on its region's calendar, so
        # Thursday 19 March.
        ("kazan_ini", "2026-05-04", "2026-03-19"),
        ("vlad_ini", "2026-05-04", "2026-03-20"),
    ],
)
def test_a_municipal_filing_deadline_on_a_holiday_moves_to_the_previous_working_day(
    domain_world, owner, planned, due
):
    walk = walk_to(
        domain_world, TWIN, "municipal_approval", owner=owner, planned_signing_date=planned
    )
    assert _open_due(domain_world, walk.case_id) == {("head_of_municipality", due)}


def test_registration_by_the_region_is_due_in_working_days_of_its_calendar(domain_world):
    walk = walk_to(domain_world, TWIN, "registration_submitted")
    # Submitted on Monday 2 March 2026; Tatarstan decides within 10 working days, skipping
    # 8 March's observed holiday on the 9th: Tuesday 17 March. (The demo's example override of
    # 15 working days is demo data: no act of the republic sets it, so it is not live here.)
    assert _open_due(domain_world, walk.case_id) == {("regional_registrar", "2026-03-17")}


def test_the_annual_report_is_due_no_later_than_14_january(domain_world):
    walk = walk_to(domain_world, TWIN, "in_force")
    engine, ini = domain_world.engine, domain_world.actor("kazan_ini")
    # "до 15 января", read as regional acts read it: the year 2026 is reported no later than
    # Thursday 14 January 2027.
    assert _open_due(domain_world, walk.case_id) == {("initiator", "2027-01-14")}
    with pytest.raises(TransitionNotAllowed) as same_year:
        engine.fire(
            walk.case_id,
            "submit_annual_report",
            ini,
            data={"annual_report": {"period": "2026", "summary": "Итоги"}},
        )
    assert "31.12.2026" in same_year.value.message
    engine.fire(
        walk.case_id,
        "submit_annual_report",
        ini,
        data={
            "annual_report": {"period": "2026", "summary": "Итоги"},
            "report_period_end": "2027-12-31",
        },
    )
    # 14 January 2028 is a Friday.
    assert _open_due(domain_world, walk.case_id) == {("initiator", "2028-01-14")}


@pytest.mark.parametrize("owner", ["ta_ini", "spe_ini"])
def test_a_federal_task_counts_on_the_federal_calendar_whatever_the_region(
    shipped_world, clock, owner
):
    """The MFA registers a draft within 5 working days. Sent on Tuesday 3 November 2026: 4
    November is Unity Day, so the days are 5, 6, 9, 10 and 11 November, for a Tatarstan draft
    too, although 6 November is Constitution Day in the republic (not the ministry's
    holiday)."""
    clock.set(_morning(dt.date(2026, 11, 3)))
    walk = walk_to(
        shipped_world,
        REGIONAL,
        "submitted_for_review",
        owner=owner,
        planned_signing_date="2027-03-01",
    )
    assert _open_due(shipped_world, walk.case_id) == {("mfa_reviewer", "2026-11-11")}


@pytest.mark.parametrize(("owner", "due"), [("ta_ini", "2026-11-05"), ("spe_ini", "2026-11-06")])
def test_a_lead_time_that_binds_the_region_counts_on_the_regions_calendar(
    shipped_world, clock, owner, due
):
    """The draft must reach the federal bodies a month before signing. Signing on Sunday
    6 December 2026: a month before is Friday 6 November, a working day federally but
    Constitution Day in Tatarstan, whose term moves back to Thursday 5 November."""
    clock.set(_morning(dt.date(2026, 10, 1)))
    walk = walk_to(
        shipped_world,
        REGIONAL,
        "internal_clearance",
        owner=owner,
        planned_signing_date="2026-12-06",
    )
    assert {d for _role, d in _open_due(shipped_world, walk.case_id)} == {due}


def test_the_federal_review_clock_pauses_while_the_region_answers_remarks(shipped_world, clock):
    walk = walk_to(shipped_world, REGIONAL, "federal_review")
    engine = shipped_world.engine
    # Entered on 2 March 2026: 30 calendar days end on Wednesday 1 April.
    assert {due for _r, due in _open_due(shipped_world, walk.case_id)} == {"2026-04-01"}
    engine.fire(walk.case_id, "return_for_revision", shipped_world.actor("mfa"), comment="Ст. 2")
    clock.set(_morning(dt.date(2026, 3, 12)))  # ten days with the region
    engine.add_document(walk.case_id, shipped_world.actor("ta_ini"), "ru", "Редакция 2")
    result = engine.fire(walk.case_id, "resubmit", shipped_world.actor("ta_ini"))
    # 1 April + 10 days = Saturday 11 April, so Monday 13 April.
    assert {due for _r, due in _open_due(shipped_world, walk.case_id)} == {"2026-04-13"}
    with engine.uow(write=False) as uow:
        event = uow.session.scalar(
            select(AuditEvent).where(
                AuditEvent.case_id == walk.case_id, AuditEvent.seq == result.version
            )
        )
    assert event.data["clock_resumed"]["paused_days"] == 10


def test_termination_takes_effect_after_the_notice(shipped_world, clock):
    walk = walk_to(
        shipped_world, TWIN, "in_force", term={"years": 5, "termination_notice_days": 60}
    )
    engine = shipped_world.engine
    engine.fire(
        walk.case_id,
        "give_termination_notice",
        shipped_world.actor("kazan_head"),
        comment="Решение главы",
        data={"termination": {"notice_date": "2026-03-02", "reason": "Нет активности"}},
    )
    with pytest.raises(TransitionNotAllowed):
        engine.fire(walk.case_id, "terminate", shipped_world.actor("kazan_ini"))
    # 60 days after 2 March 2026 is Friday 1 May, a holiday: the notice runs out on 4 May.
    clock.set(_morning(dt.date(2026, 5, 4)))
    result = engine.fire(walk.case_id, "terminate", shipped_world.actor("kazan_ini"))
    assert result.to_state == "terminated"


def test_an_agreement_expires_on_its_end_date(shipped_world, clock):
    walk = walk_to(shipped_world, REGIONAL, "in_force", valid_until="2026-06-30")
    engine, ini = shipped_world.engine, shipped_world.actor("ta_ini")
    with pytest.raises(TransitionNotAllowed):
        engine.fire(walk.case_id, "expire", ini)
    clock.set(_morning(dt.date(2026, 6, 30)))
    assert engine.fire(walk.case_id, "expire", ini).to_state == "expired"


def test_signing_data_is_kept_per_party_in_the_audit_trail(domain_world):
    walk = walk_to(domain_world, REGIONAL, "signed")
    with domain_world.engine.uow(write=False) as uow:
        event = uow.session.scalar(
            select(AuditEvent).where(
                AuditEvent.case_id == walk.case_id, AuditEvent.trigger == "record_signing"
            )
        )
    expected = AGREEMENT_DATA["record_signing"](domain_world.engine.today())
    assert event.data["data"]["signing_partner"]["place"] == expected["signing_partner"]["place"]
    assert event.data["data"]["signing_russian"]["place"] == expected["signing_russian"]["place"]
