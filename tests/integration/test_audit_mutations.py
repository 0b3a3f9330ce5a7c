"""1,000 random rewrites of the audit trail, and ``verify`` (with the key and a checkpoint)
catches every one.

The database is built once per backend; each example changes it inside a transaction, verifies
in that transaction, and rolls back. A rewrite is one of: a column of one event changed (any
column, to another row's value, a random one or NULL), an event deleted, an event forged at the
end of a chain (its hash recomputed, no key), a case's chain-derived column changed (state,
version, head, head MAC, definition version), a case deleted, a comment rewritten with the
chain recomputed after it (no key), or a case cut back to an earlier event with its head MAC
from a backup (only the checkpoint can see that one).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from tests.integration.helpers import drafted_case
from tests.integration.test_audit_seals import NOW, TEST_KEY, case_with_history
from workflow import audit_checkpoint
from workflow.audit import HASHED_COLUMNS, event_hash, verify_chains
from workflow.audit_key import AuditKey, event_mac, head_mac
from workflow.persistence.models import AuditEvent, Case, DefinitionVersion, User

EXAMPLES = 1000
NO_KEY = AuditKey(b"what-a-writer-without-the-key-signs-with-0123456789")
HASHED = HASHED_COLUMNS
EVENT_COLUMNS = (*HASHED, "prev_hash", "hash", "mac")
CASE_COLUMNS = ("state", "version", "audit_head", "audit_mac", "definition_id")
STATES = ("drafting", "review", "revision", "approved", "signed", "withdrawn")

# Text a database stores as given: no NUL (PostgreSQL refuses it) and no lone surrogates.
TEXT = st.characters(codec="utf-8", exclude_characters="\x00")
HEX64 = st.binary(min_size=32, max_size=32).map(bytes.hex)


class Snapshot:
    """The built database's rows, to draw rewrites from."""

    def __init__(self, session: Session):
        self.events = [
            {c.name: getattr(e, c.name) for c in AuditEvent.__table__.columns}
            for e in session.scalars(
                select(AuditEvent).order_by(AuditEvent.case_id, AuditEvent.seq)
            )
        ]
        self.cases = [
            row._asdict()
            for row in session.execute(
                select(Case.id, *(getattr(Case, c) for c in CASE_COLUMNS)).order_by(Case.id)
            )
        ]
        self.case_ids = [c["id"] for c in self.cases]
        self.users = list(session.scalars(select(User.id)))
        self.definitions = list(session.scalars(select(DefinitionVersion.id)))
        self.hashes = [e["hash"] for e in self.events] + [e["mac"] for e in self.events]

    def chain(self, case_id: int) -> list[dict]:
        return [e for e in self.events if e["case_id"] == case_id]


def _value(draw, snap: Snapshot, column: str, old):
    """Another value for ``column``: one a row already has, a made-up one, or NULL."""
    pools = {
        "case_id": st.sampled_from(snap.case_ids),
        "seq": st.integers(-2, 40),
        "version": st.integers(-2, 40),
        "kind": st.sampled_from(["created", "transition", "fields", "document"])
        | st.text(TEXT, max_size=20),
        "actor_id": st.sampled_from([*snap.users, None]),
        "acting_for_id": st.sampled_from([*snap.users, None]),
        "trigger": st.sampled_from(["submit", "approve", "return_for_revision", None])
        | st.text(TEXT, max_size=64),
        "from_state": st.sampled_from([*STATES, None]) | st.text(TEXT, max_size=64),
        "to_state": st.sampled_from([*STATES, None]) | st.text(TEXT, max_size=64),
        "state": st.sampled_from(STATES) | st.text(TEXT, max_size=64),
        "comment": st.none() | st.text(TEXT, max_size=40) | st.just(""),
        "definition_id": st.sampled_from(snap.definitions),
        "data": st.sampled_from([e["data"] for e in snap.events])
        | st.dictionaries(
            st.text(TEXT, max_size=6), st.integers() | st.text(TEXT, max_size=6), max_size=3
        ),
        "created_at": st.integers(-(10**6), 10**6)
        .filter(bool)
        .map(lambda s: old + dt.timedelta(seconds=s)),
        "prev_hash": st.sampled_from([*snap.hashes, None]) | HEX64,
        "hash": st.sampled_from(snap.hashes) | HEX64,
        "mac": st.sampled_from([*snap.hashes, None]) | HEX64,
        "audit_head": st.sampled_from([*snap.hashes, None]) | HEX64,
        "audit_mac": st.sampled_from([*snap.hashes, None]) | HEX64,
    }
    return draw(pools[column])


def _rehash(event: dict, prev: str | None) -> str:
    return event_hash(prev, **{k: event[k] for k in HASHED})


def _rewrite(draw, snap: Snapshot) -> list:
    """The statements of one random rewrite."""
    how = draw(
        st.sampled_from(
            [
                "event column",
                "event deleted",
                "event forged",
                "case column",
                "case deleted",
                "chain recomputed",
                "case cut back",
            ]
        )
    )
    if how == "event column":
        event = draw(st.sampled_from(snap.events))
        column = draw(st.sampled_from(EVENT_COLUMNS))
        value = _value(draw, snap, column, event[column])
        if value == event[column] or (value is None and column in ("hash",)):
            reject()
        return [update(AuditEvent).where(AuditEvent.id == event["id"]).values({column: value})]
    if how == "event deleted":
        event = draw(st.sampled_from(snap.events))
        return [delete(AuditEvent).where(AuditEvent.id == event["id"])]
    if how == "case column":
        case = draw(st.sampled_from(snap.cases))
        column = draw(st.sampled_from(CASE_COLUMNS))
        value = _value(draw, snap, column, case[column])
        if value == case[column]:
            reject()
        return [update(Case).where(Case.id == case["id"]).values({column: value})]
    if how == "case deleted":
        return [delete(Case).where(Case.id == draw(st.sampled_from(snap.case_ids)))]
    chain = snap.chain(draw(st.sampled_from(snap.case_ids)))
    case_id = chain[0]["case_id"]
    if how == "event forged":
        last = chain[-1]
        forged = {**last, "seq": last["seq"] + 1, "comment": draw(st.text(TEXT, max_size=20))}
        forged.pop("id")
        forged.update(prev_hash=last["hash"], hash=_rehash(forged, last["hash"]))
        forged["mac"] = draw(st.sampled_from([None, event_mac(NO_KEY, forged["hash"])]))
        statements = [insert(AuditEvent).values(forged)]
        if draw(st.booleans()):  # and the case moved on to it, as the services would
            statements.append(
                update(Case)
                .where(Case.id == case_id)
                .values(audit_head=forged["hash"], version=forged["seq"])
            )
        return statements
    if how == "chain recomputed":
        at = draw(st.integers(0, len(chain) - 1))
        comment = draw(st.text(TEXT, max_size=30))
        if comment == chain[at]["comment"]:
            reject()
        statements, prev = [], chain[at]["prev_hash"]
        sign = draw(st.booleans())  # with a made-up key, or leaving the old MACs
        for event in chain[at:]:
            event = {**event, "comment": comment} if event is chain[at] else event
            new_hash = _rehash(event, prev)
            values = {"comment": event["comment"], "prev_hash": prev, "hash": new_hash}
            if sign:
                values["mac"] = event_mac(NO_KEY, new_hash)
            statements.append(update(AuditEvent).where(AuditEvent.id == event["id"]).values(values))
            prev = new_hash
        statements.append(update(Case).where(Case.id == case_id).values(audit_head=prev))
        return statements
    # "case cut back": the last events dropped and the case row as a backup had it, head MAC
    # included (made with the key at the time): only the checkpoint knows better.
    keep = draw(st.integers(1, len(chain) - 1)) if len(chain) > 1 else reject()
    last = chain[keep - 1]
    return [
        delete(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.seq > keep),
        update(Case)
        .where(Case.id == case_id)
        .values(
            audit_head=last["hash"],
            audit_mac=head_mac(TEST_KEY, case_id, last["hash"]),
            version=last["seq"],
            state=last["to_state"],
        ),
    ]


@pytest.fixture
def built(engine, world, tmp_path):
    """Three cases with histories, verified clean, and a checkpoint of their heads."""
    case_with_history(engine, world)
    case_with_history(engine, world)
    drafted_case(engine, world)
    with engine.uow(write=False) as uow:
        checkpoint = audit_checkpoint.take(uow.session, TEST_KEY, NOW)
        snapshot = Snapshot(uow.session)
    book = tmp_path / "checkpoints.jsonl"
    audit_checkpoint.append(book, checkpoint)
    anchors, _lines, problems = audit_checkpoint.read(book, TEST_KEY)
    assert problems == []
    with engine.uow(write=False) as uow:
        report = verify_chains(uow.session, key=TEST_KEY, anchors=anchors)
    assert report.ok and report.cases == 3, report.broken
    connection = engine.bind.connect()
    yield connection, snapshot, anchors
    connection.close()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_random_rewrite_is_caught(built, data):
    connection, snapshot, anchors = built
    statements = _rewrite(data.draw, snapshot)
    transaction = connection.begin()
    session = Session(bind=connection)
    try:
        try:
            for statement in statements:
                session.execute(statement)
            session.flush()
        except (IntegrityError, DBAPIError):
            reject()  # the database itself refused this rewrite (a unique or foreign key)
        report = verify_chains(session, key=TEST_KEY, anchors=anchors)
        assert not report.ok, f"not caught: {statements}"
    finally:
        session.close()
        transaction.rollback()
