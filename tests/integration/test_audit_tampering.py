"""The audit chain detects every kind of tampering: edits, deletions, reordering."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import delete, select, update

from tests.integration.helpers import submitted_case
from tests.support.databases import stamp_head
from web.cli import main
from workflow.audit import verify_chains
from workflow.persistence.models import AuditEvent


def _verify(engine):
    with engine.uow(write=False) as uow:
        return verify_chains(uow.session)


def _tamper(engine, statement):
    with engine.uow() as uow:
        uow.session.execute(statement)
        uow.commit()


def _case_with_history(engine, world) -> int:
    case_id = submitted_case(engine, world)
    engine.fire(case_id, "approve", world.actor("mfa"))
    engine.fire(case_id, "return_for_revision", world.actor("minec"), comment="Статья 2")
    return case_id


def test_an_untouched_history_verifies(engine, world):
    _case_with_history(engine, world)
    report = _verify(engine)
    assert report.ok and report.cases == 1 and report.events >= 6


def test_a_modified_comment_is_detected_at_its_event(engine, world):
    case_id = _case_with_history(engine, world)
    _tamper(
        engine,
        update(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.seq == 3)
        .values(comment="подделка"),
    )
    (broken,) = _verify(engine).broken
    assert broken.seq == 3 and "modified" in broken.problem


def test_a_modified_actor_is_detected(engine, world):
    case_id = _case_with_history(engine, world)
    _tamper(
        engine,
        update(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.seq == 2)
        .values(actor_id=world.user_id("head")),
    )
    (broken,) = _verify(engine).broken
    assert broken.seq == 2


def test_a_deleted_event_in_the_middle_is_detected(engine, world):
    case_id = _case_with_history(engine, world)
    _tamper(engine, delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == 4))
    (broken,) = _verify(engine).broken
    assert broken.seq == 5 and "gap" in broken.problem


def test_a_deleted_last_event_is_detected_by_the_case_head(engine, world):
    case_id = _case_with_history(engine, world)
    with engine.uow(write=False) as uow:
        last = uow.session.scalar(
            select(AuditEvent.seq)
            .where(AuditEvent.case_id == case_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    _tamper(engine, delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq == last))
    (broken,) = _verify(engine).broken
    assert broken.seq is None and "last" in broken.problem


def test_swapped_events_are_detected(engine, world):
    case_id = _case_with_history(engine, world)
    with engine.uow() as uow:
        rows = {
            e.seq: e
            for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id))
        }
        # Swap the contents of events 2 and 3 but keep each row's seq, as a reorder would.
        a, b = rows[2], rows[3]
        for column in (
            "kind",
            "actor_id",
            "trigger",
            "from_state",
            "to_state",
            "comment",
            "data",
            "created_at",
            "prev_hash",
            "hash",
        ):
            va, vb = getattr(a, column), getattr(b, column)
            setattr(a, column, vb)
            setattr(b, column, va)
        uow.commit()
    (broken,) = _verify(engine).broken
    assert broken.seq == 2


def test_the_cli_reports_the_first_broken_link_and_exits_1(engine, world, db_url):
    case_id = _case_with_history(engine, world)
    _tamper(
        engine,
        update(AuditEvent)
        .where(AuditEvent.case_id == case_id, AuditEvent.seq == 3)
        .values(comment="x"),
    )
    stamp_head(db_url)
    result = CliRunner().invoke(main, ["audit", "verify", "--database-url", db_url])
    assert result.exit_code == 1, result.output
    assert f"BROKEN case {case_id}" in result.output and "seq 3" in result.output
