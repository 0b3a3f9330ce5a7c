"""Every rewrite of the audit trail is caught: the named ones, and 1,000 random ones.

The hash chain alone missed four: the last event deleted and the head moved back, a case with
all its events deleted, ``cases.state`` changed directly, and a comment rewritten with the whole
chain recomputed. The MACs (a key outside the database), the case checks (state, version and
head follow from the chain) and the checkpoints catch each; the README's table says which.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import delete, insert, select, update

from tests.integration.helpers import submitted_case
from tests.support.databases import stamp_head
from web.cli import main
from workflow import audit_checkpoint
from workflow.audit import HASHED_COLUMNS, event_hash, verify_chains
from workflow.audit_key import DEMO_AUDIT_KEY, AuditKey, event_mac, head_mac
from workflow.audit_seal import seal_chains
from workflow.persistence.models import AuditEvent, Case

TEST_KEY = AuditKey()  # what the engine seals with in the tests (the demo key)
OTHER_KEY = AuditKey(b"a-key-that-is-not-the-one-the-events-were-sealed-with")
NOW = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)


def case_with_history(engine, world) -> int:
    case_id = submitted_case(engine, world)
    engine.fire(case_id, "approve", world.actor("mfa"))
    engine.fire(case_id, "return_for_revision", world.actor("minec"), comment="Статья 2")
    return case_id


def _verify(engine, anchors=None, key=TEST_KEY):
    with engine.uow(write=False) as uow:
        return verify_chains(uow.session, key=key, anchors=anchors)


def _execute(engine, *statements):
    with engine.uow() as uow:
        for statement in statements:
            uow.session.execute(statement)
        uow.commit()


def _events(engine, case_id) -> list[AuditEvent]:
    with engine.uow(write=False) as uow:
        events = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
        ).all()
        uow.session.expunge_all()
        return list(events)


def _checkpoint(engine):
    with engine.uow(write=False) as uow:
        return audit_checkpoint.take(uow.session, TEST_KEY, NOW)


def _anchors(checkpoint, tmp_path: Path):
    path = tmp_path / "checkpoints.jsonl"
    audit_checkpoint.append(path, checkpoint)
    anchors, _lines, problems = audit_checkpoint.read(path, TEST_KEY)
    assert problems == []
    return anchors


def _case_row(engine, case_id) -> dict:
    with engine.uow(write=False) as uow:
        row = uow.session.execute(
            select(Case.state, Case.version, Case.audit_head, Case.audit_mac).where(
                Case.id == case_id
            )
        ).one()
    return row._asdict()


def test_an_untouched_history_verifies_with_the_key_and_a_checkpoint(engine, world, tmp_path):
    case_with_history(engine, world)
    anchors = _anchors(_checkpoint(engine), tmp_path)
    report = _verify(engine, anchors)
    assert report.ok, report.broken


def test_verify_with_another_key_finds_every_event_unproven(engine, world):
    case_id = case_with_history(engine, world)
    (broken,) = _verify(engine, key=OTHER_KEY).broken
    assert broken.case_id == case_id and broken.seq == 1 and "MAC" in broken.problem


def test_the_last_event_deleted_and_the_head_moved_back_is_caught_by_the_head_mac(engine, world):
    case_id = case_with_history(engine, world)
    *kept, last = _events(engine, case_id)
    _execute(
        engine,
        delete(AuditEvent).where(AuditEvent.id == last.id),
        update(Case)
        .where(Case.id == case_id)
        .values(audit_head=kept[-1].hash, version=kept[-1].seq, state=kept[-1].to_state),
    )
    (broken,) = _verify(engine).broken
    assert broken.case_id == case_id and "head's MAC" in broken.problem


def test_a_case_put_back_from_a_backup_is_caught_only_by_a_checkpoint(engine, world, tmp_path):
    """The writer kept the case row as it was before the last event (with its valid head MAC):
    nothing in the database tells; the checkpoint taken after the event does."""
    case_id = submitted_case(engine, world)
    engine.fire(case_id, "approve", world.actor("mfa"))
    backup = _case_row(engine, case_id)
    engine.fire(case_id, "return_for_revision", world.actor("minec"), comment="Статья 2")
    anchors = _anchors(_checkpoint(engine), tmp_path)
    last = _events(engine, case_id)[-1]
    _execute(
        engine,
        delete(AuditEvent).where(AuditEvent.id == last.id),
        update(Case).where(Case.id == case_id).values(**backup),
    )
    assert _verify(engine).ok  # the limit of what the database alone can prove
    (broken,) = _verify(engine, anchors).broken
    assert broken.case_id == case_id and broken.seq == last.seq and "checkpoint" in broken.problem


def test_a_case_whose_events_were_all_deleted_is_caught(engine, world):
    case_id = case_with_history(engine, world)
    _execute(engine, delete(AuditEvent).where(AuditEvent.case_id == case_id))
    (broken,) = _verify(engine).broken
    assert broken.case_id == case_id and "no events" in broken.problem


def test_a_state_changed_directly_is_caught(engine, world):
    case_id = case_with_history(engine, world)
    _execute(engine, update(Case).where(Case.id == case_id).values(state="approved"))
    (broken,) = _verify(engine).broken
    assert broken.case_id == case_id and "state 'approved'" in broken.problem


def test_a_version_changed_directly_is_caught(engine, world):
    case_id = case_with_history(engine, world)
    _execute(engine, update(Case).where(Case.id == case_id).values(version=Case.version + 1))
    (broken,) = _verify(engine).broken
    assert "version" in broken.problem


def rewrite_chain(engine, case_id: int, seq: int, comment: str, key: AuditKey | None) -> None:
    """What a database writer can do: change an event and recompute every hash after it and the
    head; with ``key`` None it has no key and leaves the old MACs."""
    events = _events(engine, case_id)
    statements = []
    prev = None
    for event in events:
        if event.seq == seq:
            event.comment = comment
        new_hash = event_hash(prev, **{c: getattr(event, c) for c in HASHED_COLUMNS})
        values = dict(comment=event.comment, prev_hash=prev, hash=new_hash)
        if key is not None:
            values["mac"] = event_mac(key, new_hash)
        statements.append(update(AuditEvent).where(AuditEvent.id == event.id).values(**values))
        prev = new_hash
    head = {"audit_head": prev}
    if key is not None:
        head["audit_mac"] = head_mac(key, case_id, prev)
    statements.append(update(Case).where(Case.id == case_id).values(**head))
    _execute(engine, *statements)


def test_a_comment_rewritten_with_the_whole_chain_recomputed_is_caught_by_the_mac(engine, world):
    case_id = case_with_history(engine, world)
    rewrite_chain(engine, case_id, 3, "подделка", key=None)
    (broken,) = _verify(engine).broken
    assert broken.seq == 3 and "MAC" in broken.problem
    rewrite_chain(engine, case_id, 3, "подделка", key=OTHER_KEY)  # a guessed key: no better
    (broken,) = _verify(engine).broken
    assert broken.seq == 1 and "MAC" in broken.problem  # every MAC made with it is wrong


def test_someone_holding_the_key_is_caught_only_by_an_earlier_checkpoint(engine, world, tmp_path):
    """The README's limit: the database and the key together rewrite a chain that verifies;
    a checkpoint kept elsewhere still shows the rewrite."""
    case_id = case_with_history(engine, world)
    anchors = _anchors(_checkpoint(engine), tmp_path)
    rewrite_chain(engine, case_id, 3, "подделка", key=TEST_KEY)
    assert _verify(engine).ok
    (broken,) = _verify(engine, anchors).broken
    assert broken.case_id == case_id and "checkpoint" in broken.problem


def test_unsealed_rows_are_findings_until_sealed_and_a_broken_chain_is_never_sealed(engine, world):
    good = case_with_history(engine, world)
    bad = case_with_history(engine, world)
    # As after migration 0006: rows written before there were MACs.
    _execute(engine, update(AuditEvent).values(mac=None), update(Case).values(audit_mac=None))
    _execute(engine, update(Case).where(Case.id == bad).values(state="approved"))
    problems = {link.case_id: link.problem for link in _verify(engine).broken}
    assert problems[good].startswith("unsealed") and "no MAC" in problems[good]
    with engine.uow() as uow:
        sealed = seal_chains(uow.session, TEST_KEY)
        uow.commit()
    assert sealed.heads == 1 and sealed.events == len(_events(engine, good))
    assert [link.case_id for link in sealed.refused] == [bad]
    assert [link.case_id for link in _verify(engine).broken] == [bad]


def test_a_changed_checkpoint_line_is_a_finding(engine, world, tmp_path):
    case_with_history(engine, world)
    taken = _checkpoint(engine)
    path = tmp_path / "checkpoints.jsonl"
    path.write_text(taken.line.replace('"cases":1', '"cases":2') + "\n" + "not json\n")
    anchors, lines, problems = audit_checkpoint.read(path, TEST_KEY)
    assert lines == 2 and anchors == {}
    assert [(p.line, "MAC" in p.message) for p in problems] == [(1, True), (2, False)]


def test_the_cli_checkpoints_then_verify_names_the_cut_back_case(engine, world, db_url, tmp_path):
    case_id = case_with_history(engine, world)
    stamp_head(db_url)
    book = tmp_path / "audit-checkpoints.jsonl"
    runner = CliRunner()
    result = runner.invoke(
        main, ["audit", "checkpoint", "--out", str(book), "--database-url", db_url]
    )
    assert result.exit_code == 0, result.output
    assert "1 case(s), root " in result.output and len(book.read_text().splitlines()) == 1
    args = ["audit", "verify", "--checkpoint", str(book), "--database-url", db_url]
    result = runner.invoke(main, args)
    assert result.exit_code == 0 and "1 checkpoint(s) checked, 0 problem(s)" in result.output
    last = _events(engine, case_id)[-1]
    _execute(engine, delete(AuditEvent).where(AuditEvent.id == last.id))
    result = runner.invoke(main, args)
    assert result.exit_code == 1 and f"BROKEN case {case_id}" in result.output


def test_the_cli_refuses_a_checkpoint_of_broken_chains(engine, world, db_url, tmp_path):
    case_id = case_with_history(engine, world)
    _execute(engine, update(Case).where(Case.id == case_id).values(state="approved"))
    stamp_head(db_url)
    book = tmp_path / "book.jsonl"
    result = CliRunner().invoke(
        main, ["audit", "checkpoint", "--out", str(book), "--database-url", db_url]
    )
    assert result.exit_code == 1 and "no checkpoint" in result.output and not book.exists()


def test_the_cli_seals_with_the_key_from_a_key_file(engine, world, db_url, tmp_path, monkeypatch):
    case_id = case_with_history(engine, world)
    _execute(engine, update(AuditEvent).values(mac=None), update(Case).values(audit_mac=None))
    stamp_head(db_url)
    key_file = tmp_path / "audit.key"
    key_file.write_text("Kx9vR2mN8wT3zY6bC1dF5gH0jA-audit-key-for-this-test\n")
    monkeypatch.setenv("SOGLASIE_AUDIT_KEY_FILE", str(key_file))
    runner = CliRunner()
    result = runner.invoke(main, ["audit", "seal", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert f"sealed {len(_events(engine, case_id))} event(s) and 1 case head(s)" in result.output
    assert runner.invoke(main, ["audit", "verify", "--database-url", db_url]).exit_code == 0
    # The demo key is not the one in the file: every chain is then unproven.
    monkeypatch.delenv("SOGLASIE_AUDIT_KEY_FILE")
    monkeypatch.setenv("SOGLASIE_AUDIT_KEY", DEMO_AUDIT_KEY)
    result = runner.invoke(main, ["audit", "verify", "--database-url", db_url])
    assert result.exit_code == 1 and "MAC" in result.output


def test_an_inserted_event_without_the_key_is_caught(engine, world):
    case_id = case_with_history(engine, world)
    last = _events(engine, case_id)[-1]
    forged = {c.name: getattr(last, c.name) for c in AuditEvent.__table__.columns if c.name != "id"}
    forged.update(seq=last.seq + 1, prev_hash=last.hash, comment="вставка")
    forged["hash"] = event_hash(
        last.hash,
        **{k: forged[k] for k in HASHED_COLUMNS},
    )
    forged["mac"] = event_mac(OTHER_KEY, forged["hash"])
    _execute(
        engine,
        insert(AuditEvent).values(**forged),
        update(Case)
        .where(Case.id == case_id)
        .values(audit_head=forged["hash"], version=forged["seq"]),
    )
    (broken,) = _verify(engine).broken
    assert broken.seq == last.seq + 1 and "MAC" in broken.problem
