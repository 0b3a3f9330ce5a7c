"""Firing triggers: permissions, readiness, parallel review, returns, and their side effects."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.integration.helpers import drafted_case, submitted_case
from workflow.audit import verify_chains
from workflow.errors import (
    ConcurrentUpdate,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from workflow.persistence.models import AuditEvent, Case, Reminder, ReviewRound, Task


def _tasks(engine, case_id, **filters):
    with engine.uow(write=False) as uow:
        query = select(Task).where(Task.case_id == case_id).order_by(Task.id)
        for name, value in filters.items():
            query = query.where(getattr(Task, name) == value)
        return list(uow.session.scalars(query))


def _case(engine, case_id) -> Case:
    with engine.uow(write=False) as uow:
        return uow.session.get(Case, case_id)


def test_submission_without_texts_and_date_lists_exactly_what_is_missing(engine, world):
    case = engine.create_case(
        world.actor("ini"), "review_loop", fields={"title": "Черновик", "languages": ["ru", "zh"]}
    )
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(case.id, "submit", world.actor("ini"))
    assert refused.value.missing_fields == ["planned_signing_date", "documents:ru", "documents:zh"]
    assert _case(engine, case.id).state == "drafting"


def test_late_submission_names_the_rule_the_last_day_and_the_earliest_allowed_date(engine, world):
    case_id = drafted_case(engine, world, planned="2026-03-20")
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(case_id, "submit", world.actor("ini"))
    (refusal,) = refused.value.refusals
    assert refusal.reason == "lead_time"
    assert refusal.details["last_allowed_day"] == "2026-02-20"
    # From Monday 2 March 2026, one month ahead is Thursday 2 April 2026.
    assert refusal.details["earliest_allowed_date"] == "2026-04-02"
    assert "20.02.2026" in refusal.message and "02.04.2026" in refusal.message


def test_ministry_reviewer_cannot_submit_a_regional_draft(engine, world):
    case_id = drafted_case(engine, world)
    with pytest.raises(PermissionDenied):
        engine.fire(case_id, "submit", world.actor("mfa"))


def test_user_of_another_region_cannot_even_see_the_case(engine, world):
    case_id = drafted_case(engine, world)
    with pytest.raises(NotFound):
        engine.fire(case_id, "submit", world.actor("other"))


def test_unknown_and_wrong_state_triggers_are_refused_with_their_reason(engine, world):
    case_id = drafted_case(engine, world)
    with pytest.raises(TransitionNotAllowed) as unknown:
        engine.fire(case_id, "teleport", world.actor("ini"))
    assert unknown.value.reasons == ["unknown_trigger"]
    with pytest.raises(TransitionNotAllowed) as wrong:
        engine.fire(case_id, "sign", world.actor("ini"))
    assert wrong.value.reasons == ["wrong_state"]


def test_submission_opens_one_task_per_reviewer_with_the_review_deadline(engine, world):
    case_id = submitted_case(engine, world)
    review = _tasks(engine, case_id, state="review")
    assert sorted(t.role for t in review) == ["mfa", "minec", "sector"]
    assert {t.status for t in review} == {"open"}
    # 30 calendar days after 2 March 2026 is 1 April 2026, a Wednesday.
    assert {t.due_on.isoformat() for t in review} == {"2026-04-01"}
    (drafting,) = _tasks(engine, case_id, state="drafting")
    assert drafting.status == "done" and drafting.closed_by == world.user_id("ini")


def test_review_completes_only_when_every_reviewer_has_approved(engine, world):
    case_id = submitted_case(engine, world)
    first = engine.fire(case_id, "approve", world.actor("minec"))
    second = engine.fire(case_id, "approve", world.actor("sector"))
    assert (first.moved, second.moved) == (False, False)
    assert _case(engine, case_id).state == "review"
    last = engine.fire(case_id, "approve", world.actor("mfa"))
    assert last.moved and last.to_state == "approved"


def test_a_reviewer_cannot_vote_twice_in_one_round(engine, world):
    case_id = submitted_case(engine, world)
    engine.fire(case_id, "approve", world.actor("mfa"))
    with pytest.raises(TransitionNotAllowed) as again:
        engine.fire(case_id, "approve", world.actor("mfa2"))
    assert again.value.reasons == ["already_reviewed"]


def test_return_for_revision_needs_a_comment(engine, world):
    case_id = submitted_case(engine, world)
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(case_id, "return_for_revision", world.actor("minec"), comment="  ")
    assert refused.value.reasons == ["comment_required"]


def test_a_return_cancels_the_other_reviews_and_resubmission_starts_a_fresh_round(
    engine, world, clock
):
    case_id = submitted_case(engine, world)
    engine.fire(case_id, "approve", world.actor("mfa"))
    engine.fire(case_id, "return_for_revision", world.actor("minec"), comment="Статья 3")
    first_round = _tasks(engine, case_id, state="review")
    assert {(t.role, t.status, t.outcome) for t in first_round} == {
        ("mfa", "done", "approve"),
        ("minec", "done", "return_for_revision"),
        ("sector", "cancelled", "return_for_revision"),
    }
    with engine.uow(write=False) as uow:
        pending = uow.session.scalar(
            select(func.count())
            .select_from(Reminder)
            .where(Reminder.task_id.in_([t.id for t in first_round]), Reminder.status == "pending")
        )
    assert pending == 0

    clock.advance(days=4)  # Friday 6 March
    ini = world.actor("ini")
    engine.add_document(case_id, ini, "ru", "Текст соглашения (ru), версия 2")
    engine.fire(case_id, "resubmit", ini)
    second_round = [t for t in _tasks(engine, case_id, state="review") if t.status == "open"]
    assert sorted(t.role for t in second_round) == ["mfa", "minec", "sector"]
    with engine.uow(write=False) as uow:
        rounds = list(
            uow.session.scalars(
                select(ReviewRound)
                .where(ReviewRound.case_id == case_id)
                .order_by(ReviewRound.number)
            )
        )
    assert [(r.number, r.outcome) for r in rounds] == [(1, "returned"), (2, None)]
    assert rounds[0].documents["ru"]["number"] == 1
    assert rounds[1].documents["ru"]["number"] == 2


def test_the_review_clock_pauses_while_the_draft_is_with_its_author(engine, world, clock):
    case_id = submitted_case(engine, world)  # due 1 April 2026
    engine.fire(case_id, "return_for_revision", world.actor("mfa"), comment="Замечания")
    clock.advance(days=5)  # 7 March: five days with the author
    result = engine.fire(case_id, "resubmit", world.actor("ini"))
    due = {t.due_on.isoformat() for t in _tasks(engine, case_id, status="open")}
    assert due == {"2026-04-06"}  # 1 April + 5 days = Monday 6 April
    with engine.uow(write=False) as uow:
        event = uow.session.scalar(
            select(AuditEvent).where(
                AuditEvent.case_id == case_id, AuditEvent.seq == result.version
            )
        )
    assert event.data["clock_resumed"] == {
        "state": "review",
        "paused_days": 5,
        "due_on": "2026-04-06",
    }


def test_signing_refuses_texts_that_differ_from_the_approved_version(engine, world):
    case_id = submitted_case(engine, world)
    for reviewer in ("mfa", "minec", "sector"):
        engine.fire(case_id, "approve", world.actor(reviewer))
    with engine.uow() as uow:  # someone slips a changed text in behind the reviewers' backs
        from workflow.persistence.models import DocumentVersion

        uow.session.add(
            DocumentVersion(
                case_id=case_id,
                language="zh",
                number=2,
                text="改变",
                sha256="0" * 64,
                created_at=engine.clock.now(),
            )
        )
        uow.commit()
    with pytest.raises(TransitionNotAllowed) as refused:
        engine.fire(case_id, "sign", world.actor("head"))
    assert refused.value.refusals[0].details["changed_languages"] == ["zh"]


def test_a_stale_expected_version_is_a_concurrent_update(engine, world):
    case_id = drafted_case(engine, world)
    version = _case(engine, case_id).version
    engine.update_fields(case_id, world.actor("ini"), {"notes": "правка"}, expected_version=version)
    with pytest.raises(ConcurrentUpdate):
        engine.fire(case_id, "submit", world.actor("ini"), expected_version=version)


def test_every_change_appends_one_chained_audit_event(engine, world):
    case_id = submitted_case(engine, world)
    engine.fire(case_id, "approve", world.actor("mfa"))
    case = _case(engine, case_id)
    with engine.uow(write=False) as uow:
        seqs = list(
            uow.session.scalars(
                select(AuditEvent.seq).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
            )
        )
        report = verify_chains(uow.session)
    assert seqs == list(range(1, case.version + 1))
    assert report.ok and report.events == case.version


def test_a_substitute_acts_for_the_absent_reviewer_and_the_audit_says_so(engine, world):
    case_id = submitted_case(engine, world)
    today = engine.today()
    clerk = world.actor("minec_clerk")
    with pytest.raises(PermissionDenied):
        engine.fire(case_id, "approve", clerk)  # not yet: she holds no reviewer role
    engine.set_substitution(world.actor("minec"), world.user_id("minec_clerk"), today, today)
    engine.fire(case_id, "approve", world.actor("minec_clerk"))
    with engine.uow(write=False) as uow:
        event = uow.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    assert (event.actor_id, event.acting_for_id) == (
        world.user_id("minec_clerk"),
        world.user_id("minec"),
    )
    (task,) = _tasks(engine, case_id, role="minec")
    assert (task.closed_by, task.acting_for) == (
        world.user_id("minec_clerk"),
        world.user_id("minec"),
    )


def test_a_substitute_must_work_in_the_same_organization(engine, world):
    today = engine.today()
    with pytest.raises(InvalidInput, match="same organization"):
        engine.set_substitution(world.actor("minec"), world.user_id("mfa"), today, today)


def test_new_tasks_queue_one_email_per_person_who_can_act(engine, world):
    from workflow.persistence.models import OutboxMessage

    case_id = submitted_case(engine, world)
    with engine.uow(write=False) as uow:
        rows = list(
            uow.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.case_id == case_id, OutboxMessage.template == "task_opened"
                )
            )
        )
    recipients = sorted(r.recipient_user_id for r in rows)
    expected = sorted(world.user_id(u) for u in ("ini", "mfa", "mfa2", "minec", "sector"))
    assert recipients == expected
    assert len({r.message_id for r in rows}) == len(rows)


def test_an_action_cannot_set_fields_its_step_does_not_cover(engine, world):
    case_id = submitted_case(engine, world)
    with pytest.raises(InvalidInput) as refused:
        engine.fire(
            case_id,
            "approve",
            world.actor("mfa"),
            data={"title": "Переписанное название", "notes": "x"},
        )
    assert set(refused.value.errors) == {"title", "notes"}
    assert _case(engine, case_id).title == "Соглашение о сотрудничестве"


def test_an_action_in_an_editable_state_may_move_the_date_its_rule_refuses(engine, world):
    case_id = drafted_case(engine, world, planned="2026-03-20")  # too early: the rule refuses
    # Drafting lets the initiator edit every field; the lead-time guard reads the planned date.
    result = engine.fire(
        case_id, "submit", world.actor("ini"), data={"planned_signing_date": "2026-06-01"}
    )
    assert result.to_state == "review"
    assert _case(engine, case_id).planned_date.isoformat() == "2026-06-01"
