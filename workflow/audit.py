"""The audit trail: append-only events, hash-chained per case.

Each event's hash is SHA-256 over the previous event's hash and the event's own content in a
canonical JSON form. ``verify_chains`` recomputes every chain and reports the first broken link
per case: an edited row breaks its own hash, a deleted row leaves a gap in ``seq`` (or, if it was
the last, disagrees with ``cases.audit_head``), and swapped rows break ``prev_hash``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.persistence.models import AuditEvent, Case

GENESIS = "0" * 64


def canonical_data(data: dict[str, Any] | None) -> dict[str, Any]:
    """JSON-normalized data (dates → ISO strings), identical after a database round trip."""
    return json.loads(json.dumps(data or {}, sort_keys=True, ensure_ascii=False, default=str))


def event_hash(
    prev_hash: str | None,
    *,
    case_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    acting_for_id: int | None,
    trigger: str | None,
    from_state: str | None,
    to_state: str | None,
    comment: str | None,
    definition_id: int,
    data: dict[str, Any],
    created_at: dt.datetime,
) -> str:
    body = {
        "case_id": case_id,
        "seq": seq,
        "kind": kind,
        "actor_id": actor_id,
        "acting_for_id": acting_for_id,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
        "definition_id": definition_id,
        "data": data,
        "created_at": created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
    }
    payload = (prev_hash or GENESIS) + json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def new_event(
    *,
    case_id: int,
    seq: int,
    prev_hash: str | None,
    kind: str,
    actor_id: int | None,
    acting_for_id: int | None,
    trigger: str | None,
    from_state: str | None,
    to_state: str | None,
    comment: str | None,
    definition_id: int,
    data: dict[str, Any] | None,
    created_at: dt.datetime,
) -> dict[str, Any]:
    """The row values of a new event, hash included, ready for an INSERT."""
    data = canonical_data(data)
    values = dict(
        case_id=case_id,
        seq=seq,
        kind=kind,
        actor_id=actor_id,
        acting_for_id=acting_for_id,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        definition_id=definition_id,
        data=data,
        created_at=created_at,
    )
    values["prev_hash"] = prev_hash
    values["hash"] = event_hash(prev_hash, **{k: v for k, v in values.items() if k != "prev_hash"})
    return values


@dataclass(frozen=True)
class BrokenLink:
    case_id: int
    seq: int | None
    event_id: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event {self.event_id} (seq {self.seq})" if self.event_id else "chain head"
        return f"case {self.case_id}: {where}: {self.problem}"


@dataclass
class VerifyReport:
    cases: int = 0
    events: int = 0
    broken: list[BrokenLink] | None = None

    @property
    def ok(self) -> bool:
        return not self.broken


def _check_case(case_id: int, head: str | None, events: list[AuditEvent]) -> BrokenLink | None:
    prev: str | None = None
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq:
            return BrokenLink(
                case_id,
                event.seq,
                event.id,
                f"sequence gap: expected seq {expected_seq}, found {event.seq} "
                "(an event was deleted or reordered)",
            )
        if event.prev_hash != prev:
            return BrokenLink(
                case_id,
                event.seq,
                event.id,
                "prev_hash does not match the previous event (reordered or replaced)",
            )
        recomputed = event_hash(
            event.prev_hash,
            case_id=event.case_id,
            seq=event.seq,
            kind=event.kind,
            actor_id=event.actor_id,
            acting_for_id=event.acting_for_id,
            trigger=event.trigger,
            from_state=event.from_state,
            to_state=event.to_state,
            comment=event.comment,
            definition_id=event.definition_id,
            data=canonical_data(event.data),
            created_at=event.created_at,
        )
        if recomputed != event.hash:
            return BrokenLink(
                case_id,
                event.seq,
                event.id,
                "content does not match its hash (the event was modified)",
            )
        prev = event.hash
    if head != prev:
        return BrokenLink(
            case_id,
            None,
            None,
            "the case's last recorded hash is not the last event's "
            "(events at the end were deleted or added)",
        )
    return None


def _events_by_case(
    session: Session, case_ids: list[int]
) -> Iterator[tuple[int, list[AuditEvent]]]:
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.case_id.in_(case_ids))
        .order_by(AuditEvent.case_id, AuditEvent.seq, AuditEvent.id)
    )
    grouped: dict[int, list[AuditEvent]] = {cid: [] for cid in case_ids}
    for event in rows:
        grouped[event.case_id].append(event)
    yield from grouped.items()


def verify_chains(
    session: Session, case_ids: list[int] | None = None, batch: int = 500
) -> VerifyReport:
    """Recompute the chains of the given cases (all by default), in batches."""
    report = VerifyReport(broken=[])
    query = select(Case.id, Case.audit_head).order_by(Case.id)
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    heads = session.execute(query).all()
    for start in range(0, len(heads), batch):
        chunk = dict(heads[start : start + batch])
        for case_id, events in _events_by_case(session, list(chunk)):
            report.cases += 1
            report.events += len(events)
            broken = _check_case(case_id, chunk[case_id], events)
            if broken:
                report.broken.append(broken)
    return report


def verify_case(session: Session, case_id: int) -> BrokenLink | None:
    report = verify_chains(session, [case_id])
    return report.broken[0] if report.broken else None
