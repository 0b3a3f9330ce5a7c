"""The worker appends one audit checkpoint a day to SOGLASIE_AUDIT_CHECKPOINT_FILE, and none
while a chain is broken."""

from __future__ import annotations

from sqlalchemy import update

from tests.integration.helpers import submitted_case
from workflow import audit_checkpoint
from workflow.audit import verify_chains
from workflow.persistence.models import Case


def test_one_checkpoint_a_day_that_verify_accepts(engine, world, settings, make_worker, tmp_path):
    case_id = submitted_case(engine, world)
    book = tmp_path / "audit-checkpoints.jsonl"
    worker = make_worker(settings=settings.with_overrides(audit_checkpoint_file=str(book)))
    assert worker.checkpoint_audit() is True
    assert worker.checkpoint_audit() is False  # the same day: nothing more
    engine.clock.advance(days=1)
    engine.fire(case_id, "approve", world.actor("mfa"))
    assert worker.checkpoint_audit() is True
    anchors, lines, problems = audit_checkpoint.read(book, engine.audit_key)
    assert lines == 2 and problems == []
    first, second = anchors[case_id]
    assert second.version == first.version + 1 and first.taken_at < second.taken_at
    with engine.uow(write=False) as uow:
        assert verify_chains(uow.session, anchors=anchors).ok


def test_no_checkpoint_of_a_broken_chain_nor_without_a_file(
    engine, world, settings, make_worker, tmp_path
):
    case_id = submitted_case(engine, world)
    assert make_worker().checkpoint_audit() is False  # no file configured
    with engine.uow() as uow:
        uow.session.execute(update(Case).where(Case.id == case_id).values(state="approved"))
        uow.commit()
    book = tmp_path / "audit-checkpoints.jsonl"
    worker = make_worker(settings=settings.with_overrides(audit_checkpoint_file=str(book)))
    assert worker.checkpoint_audit() is False and not book.exists()
