"""The audit trail: append-only events, hash-chained per case, sealed with a key.

Each event's hash is SHA-256 over the previous event's hash and the event's own content in a
canonical JSON form; its ``mac`` is an HMAC of that hash with the audit key, which is kept outside
the database (``workflow.audit_key``), and the case's ``audit_mac`` seals its head the same way.
``verify_chains`` recomputes every chain and reports the first problem per case: an edited row
breaks its own hash, a deleted row leaves a gap in ``seq``, swapped rows break ``prev_hash``, a
chain recomputed without the key breaks the MACs, a case without events or whose state, version
or head do not follow from its last event is named, and a case moved back to an earlier head
breaks its head MAC. What a writer holding an old copy of the database can still replay (a case
put back as it was, last events dropped) is caught by a checkpoint of every head
(``workflow.audit_checkpoint``) taken since. The README has the table of who catches what.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.audit_key import AuditKey, event_mac, for_session, head_mac, same
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
    key: AuditKey,
) -> dict[str, Any]:
    """The row values of a new event, hash and MAC included, ready for an INSERT; the case's
    new ``audit_head`` is its ``hash`` and its ``audit_mac`` is ``head_mac`` of that."""
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
    values["mac"] = event_mac(key, values["hash"])
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
    checkpoints: int = 0  # checkpoint lines checked

    @property
    def ok(self) -> bool:
        return not self.broken


@dataclass(frozen=True)
class CaseHead:
    """What the ``cases`` row says about its chain; each must follow from the chain."""

    id: int
    state: str
    version: int
    definition_id: int
    audit_head: str | None
    audit_mac: str | None


@dataclass(frozen=True)
class Anchor:
    """A head recorded in a checkpoint: the case's event ``version`` had hash ``head``."""

    version: int
    head: str
    taken_at: str


UNSEALED = "unsealed"  # the start of every problem that ``soglasie audit seal`` mends


# The columns of an audit event its hash covers (with the previous event's hash).
HASHED_COLUMNS = (
    "case_id",
    "seq",
    "kind",
    "actor_id",
    "acting_for_id",
    "trigger",
    "from_state",
    "to_state",
    "comment",
    "definition_id",
    "data",
    "created_at",
)


def recompute_hash(event: AuditEvent) -> str:
    values = {column: getattr(event, column) for column in HASHED_COLUMNS}
    values["data"] = canonical_data(event.data)
    return event_hash(event.prev_hash, **values)


def _check_links(
    case_id: int, events: list[AuditEvent], key: AuditKey, unsealed_ok: bool
) -> BrokenLink | None:
    prev: str | None = None
    for expected_seq, event in enumerate(events, start=1):

        def broken(problem: str, event: AuditEvent = event) -> BrokenLink:
            return BrokenLink(case_id, event.seq, event.id, problem)

        if event.seq != expected_seq:
            return broken(
                f"sequence gap: expected seq {expected_seq}, found {event.seq} "
                "(an event was deleted or reordered)"
            )
        if event.prev_hash != prev:
            return broken("prev_hash does not match the previous event (reordered or replaced)")
        if expected_seq == 1 and event.kind != "created":
            return broken(f"the first event is a '{event.kind}', not the case's creation")
        if recompute_hash(event) != event.hash:
            return broken("content does not match its hash (the event was modified)")
        if event.mac is None and not unsealed_ok:
            return broken(f"{UNSEALED}: the event has no MAC (run 'soglasie audit seal')")
        if event.mac is not None and not same(event.mac, event_mac(key, event.hash)):
            return broken(
                "the MAC does not match (the event or its chain was rewritten without the audit "
                "key, or verify runs with another key)"
            )
        prev = event.hash
    return None


def _check_head(
    case: CaseHead, events: list[AuditEvent], key: AuditKey, unsealed_ok: bool
) -> BrokenLink | None:
    def broken(problem: str) -> BrokenLink:
        return BrokenLink(case.id, None, None, problem)

    if not events:
        return broken("the case has no events (its history was deleted)")
    last = events[-1]
    if case.audit_head != last.hash:
        return broken(
            "the case's last recorded hash is not the last event's "
            "(events at the end were deleted or added)"
        )
    if case.version != last.seq:
        return broken(f"the case is at version {case.version}, its last event at {last.seq}")
    if case.state != last.to_state:
        return broken(
            f"the case is in state '{case.state}', its last event left it in '{last.to_state}'"
        )
    if case.definition_id != last.definition_id:
        return broken("the case's definition version is not the one its events record")
    if case.audit_mac is None and not unsealed_ok:
        return broken(f"{UNSEALED}: the case's head has no MAC (run 'soglasie audit seal')")
    if case.audit_mac is not None and not same(case.audit_mac, head_mac(key, case.id, last.hash)):
        return broken(
            "the head's MAC does not match (the case was moved to another head without the "
            "audit key)"
        )
    return None


def _check_anchors(
    case_id: int, events: list[AuditEvent], anchors: list[Anchor]
) -> BrokenLink | None:
    for anchor in anchors:
        if anchor.version > len(events) or events[anchor.version - 1].hash != anchor.head:
            return BrokenLink(
                case_id,
                anchor.version,
                None,
                f"the checkpoint of {anchor.taken_at} recorded event {anchor.version} with "
                "another hash, or one that is gone (the chain was cut back or rewritten)",
            )
    return None


def check_case(
    case: CaseHead,
    events: list[AuditEvent],
    key: AuditKey,
    anchors: Sequence[Anchor] = (),
    *,
    unsealed_ok: bool = False,
) -> BrokenLink | None:
    """The first problem of one case's chain, or None; ``unsealed_ok``: rows without a MAC
    are no problem (``workflow.audit_seal`` asks whether a chain is otherwise sound)."""
    return (
        _check_links(case.id, events, key, unsealed_ok)
        or _check_head(case, events, key, unsealed_ok)
        or _check_anchors(case.id, events, list(anchors))
    )


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


_CASE_HEADS = select(
    Case.id, Case.state, Case.version, Case.definition_id, Case.audit_head, Case.audit_mac
).order_by(Case.id)


def chains(
    session: Session, case_ids: list[int] | None = None, batch: int = 500
) -> Iterator[tuple[CaseHead, list[AuditEvent]]]:
    """Every case (or those of ``case_ids``) with its events in order, read in batches."""
    query = _CASE_HEADS if case_ids is None else _CASE_HEADS.where(Case.id.in_(case_ids))
    heads = [CaseHead(*row) for row in session.execute(query).all()]
    for start in range(0, len(heads), batch):
        chunk = {case.id: case for case in heads[start : start + batch]}
        for case_id, events in _events_by_case(session, list(chunk)):
            yield chunk[case_id], events


def verify_chains(
    session: Session,
    case_ids: list[int] | None = None,
    batch: int = 500,
    *,
    key: AuditKey | None = None,
    anchors: dict[int, list[Anchor]] | None = None,
) -> VerifyReport:
    """Check the chains of the given cases (all by default), in batches.

    ``key``: the audit key (default: the session's engine's). ``anchors``: heads from checkpoints
    (``workflow.audit_checkpoint.read``); a case they name that is gone is reported too.
    """
    key = key or for_session(session)
    anchors = anchors or {}
    report = VerifyReport(broken=[])
    seen: set[int] = set()
    for case, events in chains(session, case_ids, batch):
        seen.add(case.id)
        report.cases += 1
        report.events += len(events)
        broken = check_case(case, events, key, anchors.get(case.id, []))
        if broken:
            report.broken.append(broken)
    wanted = set(anchors) if case_ids is None else set(anchors) & set(case_ids)
    for case_id in sorted(wanted - seen):
        first = anchors[case_id][0]
        report.broken.append(
            BrokenLink(
                case_id,
                None,
                None,
                f"the case is gone, but the checkpoint of {first.taken_at} recorded it at "
                f"version {first.version}",
            )
        )
    return report


def verify_case(session: Session, case_id: int) -> BrokenLink | None:
    report = verify_chains(session, [case_id])
    return report.broken[0] if report.broken else None
